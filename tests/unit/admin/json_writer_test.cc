#include "admin/json_writer.h"

#include <gtest/gtest.h>

namespace mcplb::admin {
namespace {

TEST(JsonWriter, NestedWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  w.begin_object().key("a").value(1).key("b").value("x").key("c").null().end_object();
  w.begin_object().key("n").begin_object().key("t").value(true).end_object().end_object();
  w.value(uint64_t{18446744073709551615ull});
  w.value(int64_t{-5});
  w.begin_array().end_array();
  w.end_array();
  EXPECT_EQ(out,
            "[{\"a\":1,\"b\":\"x\",\"c\":null},{\"n\":{\"t\":true}},18446744073709551615,-5,[]]");
}

TEST(JsonWriter, StringEscapes) {
  std::string out;
  constexpr std::string_view kIn("q\" b\\ n\n r\r t\t \x01 \x7f \xFF \xC3\xA9", 23);
  JsonWriter::append_string(out, kIn);
  EXPECT_EQ(out, "\"q\\\" b\\\\ n\\n r\\r t\\t \\u0001 \\u007f \xEF\xBF\xBD \xC3\xA9\"");
}

}  // namespace
}  // namespace mcplb::admin
