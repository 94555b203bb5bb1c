#include "admin/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "admin/text.h"

namespace mcplb::admin {
namespace {

using Type = Exposition::Type;

std::string label(std::string_view v) {
  std::string out;
  Exposition::append_label_value(out, v);
  return out;
}

TEST(Exposition, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(label("plain"), "plain");
  EXPECT_EQ(label("a\\b"), "a\\\\b");
  EXPECT_EQ(label("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(label("two\nlines"), "two\\nlines");
  EXPECT_EQ(label("tab\tand\rcr"), "tab\tand\rcr");  // only the three escapes of the format
  EXPECT_EQ(label("\\\"\n"), "\\\\\\\"\\n");
}

TEST(Exposition, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(label("caf\xC3\xA9"), "caf\xC3\xA9");                // valid 2-byte
  EXPECT_EQ(label("\xE2\x82\xAC \xF0\x9F\x98\x80"), "\xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(label("a\xFF" "b"), "a\xEF\xBF\xBD" "b");             // invalid lead byte
  EXPECT_EQ(label("\x80"), "\xEF\xBF\xBD");                       // stray continuation
  EXPECT_EQ(label("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");       // overlong '/'
  EXPECT_EQ(label("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(label("x\xE2\x82"), "x\xEF\xBF\xBD\xEF\xBF\xBD");     // truncated at the end
  EXPECT_EQ(label("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Exposition, HelpEscapesBackslashAndNewlineOnly) {
  std::string out;
  Exposition::append_help(out, "a \"q\" \\ b\nc");
  EXPECT_EQ(out, "a \"q\" \\\\ b\\nc");
}

TEST(Exposition, HeaderComesWithTheFirstSampleOnly) {
  std::string out;
  Exposition e(out);
  e.family("mcplb_empty_total", Type::counter, "never written");
  e.family("mcplb_x_total", Type::counter, "Things.");
  e.sample({{"a", "1"}}, uint64_t{3});
  e.sample({{"a", "2"}, {"b", "q\""}}, uint64_t{4});
  e.family("mcplb_g", Type::gauge, "A gauge.");
  e.sample({}, int64_t{-2});
  EXPECT_EQ(out,
            "# HELP mcplb_x_total Things.\n"
            "# TYPE mcplb_x_total counter\n"
            "mcplb_x_total{a=\"1\"} 3\n"
            "mcplb_x_total{a=\"2\",b=\"q\\\"\"} 4\n"
            "# HELP mcplb_g A gauge.\n"
            "# TYPE mcplb_g gauge\n"
            "mcplb_g -2\n");
}

TEST(Exposition, Numbers) {
  std::string out;
  append_double(out, 0.25);
  out.push_back(' ');
  append_double(out, 1700000000.5);
  out.push_back(' ');
  append_double(out, 3.0);
  out.push_back(' ');
  append_double(out, std::numeric_limits<double>::quiet_NaN());
  out.push_back(' ');
  append_double(out, std::numeric_limits<double>::infinity());
  out.push_back(' ');
  append_double(out, -std::numeric_limits<double>::infinity());
  out.push_back(' ');
  append_uint(out, 18446744073709551615ull);
  out.push_back(' ');
  append_int(out, -9223372036854775807ll - 1);
  EXPECT_EQ(out, "0.25 1700000000.5 3 NaN +Inf -Inf 18446744073709551615 -9223372036854775808");
}

TEST(Exposition, Utf8SequenceLength) {
  EXPECT_EQ(utf8_sequence_length(""), 0u);
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9"), 2u);
  EXPECT_EQ(utf8_sequence_length("\xEF\xBF\xBD"), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF4\x8F\xBF\xBF"), 4u);  // U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\xF8\x88\x80\x80\x80"), 0u);
  EXPECT_EQ(utf8_sequence_length("\xE0\x80\x80"), 0u);  // overlong NUL
}

}  // namespace
}  // namespace mcplb::admin
