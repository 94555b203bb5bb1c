#include "json_util.h"

#include <gtest/gtest.h>

namespace mcplb::demo {
namespace {

TEST(JsonUtil, QuotesAndEscapesControlCharacters) {
  EXPECT_EQ(json_quote("plain"), R"("plain")");
  EXPECT_EQ(json_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quote("l1\nl2\r\t"), R"("l1\nl2\r\t")");
  EXPECT_EQ(json_quote(std::string_view("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(json_quote("h\xc3\xa9"), "\"h\xc3\xa9\"");  // UTF-8 passes through
  EXPECT_EQ(json_quote(""), R"("")");
}

TEST(JsonUtil, Base64Decodes) {
  EXPECT_EQ(base64_decode("ZWNobw=="), "echo");
  EXPECT_EQ(base64_decode("ZWNobw"), "echo");
  EXPECT_EQ(base64_decode("SGVsbG8sIOS4lueVjA=="), "Hello, \xe4\xb8\x96\xe7\x95\x8c");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("ab$d"));
  EXPECT_FALSE(base64_decode("a"));
}

TEST(JsonUtil, McpHeaderSentinel) {
  EXPECT_EQ(decode_mcp_header_value("get_weather"), "get_weather");
  EXPECT_EQ(decode_mcp_header_value("=?base64?IHBhZGRlZCA=?="), " padded ");
  EXPECT_EQ(decode_mcp_header_value("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="), "=?base64?literal?=");
  EXPECT_FALSE(decode_mcp_header_value("=?base64?!!?="));
  EXPECT_EQ(decode_mcp_header_value("=?BASE64?eA==?="), "=?BASE64?eA==?=");  // case-sensitive
}

TEST(JsonUtil, HeaderLists) {
  EXPECT_TRUE(header_lists("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(header_lists("Text/Event-Stream;q=0.5", "text/event-stream"));
  EXPECT_FALSE(header_lists("application/json", "text/event-stream"));
  EXPECT_FALSE(header_lists("*/*", "text/event-stream"));
  EXPECT_FALSE(header_lists("", "text/event-stream"));
}

}  // namespace
}  // namespace mcplb::demo
