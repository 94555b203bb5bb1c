#include "mcp/header_check.h"

#include <gtest/gtest.h>

#include <string>

namespace mcplb::mcp {
namespace {

std::string call(std::string_view method, std::string_view params) {
  return std::string(R"({"jsonrpc":"2.0","id":1,"method":")") + std::string(method) +
         R"(","params":)" + std::string(params) + "}";
}

HeaderCheck check(const std::string& body, std::string_view method_hdr, std::string_view name_hdr,
                  std::string_view version_hdr = {}) {
  Inspection in;
  EXPECT_EQ(inspect(body, true, in), InspectStatus::ok) << body;
  return check_stateless_headers(in, method_hdr, name_hdr, version_hdr);
}

TEST(HeaderCheck, NameSources) {
  EXPECT_EQ(mcp_name_source("tools/call"), "name");
  EXPECT_EQ(mcp_name_source("prompts/get"), "name");
  EXPECT_EQ(mcp_name_source("resources/read"), "uri");
  EXPECT_EQ(mcp_name_source("tools/list"), "");
  EXPECT_EQ(mcp_name_source("Tools/Call"), "");  // header values are case-sensitive
}

TEST(HeaderCheck, ToolsCall) {
  const std::string body = call("tools/call", R"({"name":"get_weather","arguments":{}})");
  EXPECT_EQ(check(body, "tools/call", "get_weather"), HeaderCheck::ok);
  EXPECT_EQ(check(body, " tools/call\t", " get_weather "), HeaderCheck::ok);  // OWS
  EXPECT_EQ(check(body, "", "get_weather"), HeaderCheck::missing_method);
  EXPECT_EQ(check(body, "tools/list", "get_weather"), HeaderCheck::method_mismatch);
  EXPECT_EQ(check(body, "TOOLS/CALL", "get_weather"), HeaderCheck::method_mismatch);
  EXPECT_EQ(check(body, "tools/call", ""), HeaderCheck::missing_name);
  EXPECT_EQ(check(body, "tools/call", "get_weathe"), HeaderCheck::name_mismatch);
  EXPECT_EQ(check(body, "tools/call", "other"), HeaderCheck::name_mismatch);
}

TEST(HeaderCheck, PromptsAndResources) {
  EXPECT_EQ(check(call("prompts/get", R"({"name":"greet"})"), "prompts/get", "greet"),
            HeaderCheck::ok);
  const std::string read = call("resources/read", R"({"uri":"file:///projects/app/config.json"})");
  EXPECT_EQ(check(read, "resources/read", "file:///projects/app/config.json"), HeaderCheck::ok);
  EXPECT_EQ(check(read, "resources/read", "file:///etc/passwd"), HeaderCheck::name_mismatch);
  EXPECT_EQ(check(read, "resources/read", ""), HeaderCheck::missing_name);
  // resources/read mirrors uri, not name.
  EXPECT_EQ(check(call("resources/read", R"({"name":"x","uri":"u"})"), "resources/read", "x"),
            HeaderCheck::name_mismatch);
}

TEST(HeaderCheck, OtherMethodsIgnoreMcpName) {
  const std::string body = call("tools/list", R"({"cursor":"c"})");
  EXPECT_EQ(check(body, "tools/list", ""), HeaderCheck::ok);
  EXPECT_EQ(check(body, "tools/list", "anything"), HeaderCheck::ok);
  EXPECT_EQ(check(body, "", ""), HeaderCheck::missing_method);
}

TEST(HeaderCheck, BodyWithoutTheMirroredValue) {
  // No params.name: nothing to mirror; params validation is the backend's business.
  const std::string body = call("tools/call", R"({"arguments":{}})");
  EXPECT_EQ(check(body, "tools/call", ""), HeaderCheck::ok);
  EXPECT_EQ(check(body, "tools/call", "x"), HeaderCheck::ok);
}

TEST(HeaderCheck, Base64Sentinel) {
  // Spec examples (2026-07-28 streamable-http, "Value Encoding").
  const std::string hello = call("tools/call", R"({"name":"Hello, \u4e16\u754c"})");
  EXPECT_EQ(check(hello, "tools/call", "=?base64?SGVsbG8sIOS4lueVjA==?="), HeaderCheck::ok);
  EXPECT_EQ(check(hello, "tools/call", "=?base64?TGVsbG8sIOS4lueVjA==?="),
            HeaderCheck::name_mismatch);
  EXPECT_EQ(check(hello, "tools/call", "=?base64?SGVsbG8sIOS4lueVjA?="),
            HeaderCheck::bad_name_encoding);
  EXPECT_EQ(check(hello, "tools/call", "=?base64?SGVs*G8sIOS4lueVjA==?="),
            HeaderCheck::bad_name_encoding);
  const std::string padded = call("tools/call", R"({"name":" padded "})");
  EXPECT_EQ(check(padded, "tools/call", "=?base64?IHBhZGRlZCA=?="), HeaderCheck::ok);
  const std::string literal = call("tools/call", R"({"name":"=?base64?literal?="})");
  EXPECT_EQ(check(literal, "tools/call", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="), HeaderCheck::ok);
  // A plain header equal to a sentinel-shaped name is read as a sentinel: it must be encoded.
  EXPECT_EQ(check(literal, "tools/call", "=?base64?literal?="), HeaderCheck::bad_name_encoding);
  // Longer or shorter decoded values.
  const std::string echo = call("tools/call", R"({"name":"echo"})");
  EXPECT_EQ(check(echo, "tools/call", "=?base64?ZWNobw==?="), HeaderCheck::ok);
  EXPECT_EQ(check(echo, "tools/call", "=?base64?ZWNobzI=?="), HeaderCheck::name_mismatch);
  EXPECT_EQ(check(echo, "tools/call", "=?base64?ZWNo?="), HeaderCheck::name_mismatch);
}

TEST(HeaderCheck, EscapedBodyValueComparesDecoded) {
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools\/call",)"
                           R"("params":{"name":"a\/b"}})";
  EXPECT_EQ(check(body, "tools/call", "a/b"), HeaderCheck::ok);
  EXPECT_EQ(check(body, "tools\\/call", "a/b"), HeaderCheck::method_mismatch);
}

TEST(HeaderCheck, ProtocolVersion) {
  const std::string body = call(
      "tools/call",
      R"({"name":"t","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}})");
  EXPECT_EQ(check(body, "tools/call", "t", "2026-07-28"), HeaderCheck::ok);
  EXPECT_EQ(check(body, "tools/call", "t", "2025-11-25"), HeaderCheck::protocol_version_mismatch);
  EXPECT_EQ(check(body, "tools/call", "t", ""), HeaderCheck::ok);  // not checked when absent
  // No envelope in the body: nothing to compare.
  EXPECT_EQ(check(call("tools/call", R"({"name":"t"})"), "tools/call", "t", "2026-07-28"),
            HeaderCheck::ok);
}

TEST(HeaderCheck, Notifications) {
  const std::string body = R"({"jsonrpc":"2.0","method":"notifications/cancelled"})";
  EXPECT_EQ(check(body, "", ""), HeaderCheck::ok);  // spec defines no header rules for them
  EXPECT_EQ(check(body, "notifications/cancelled", ""), HeaderCheck::ok);
  EXPECT_EQ(check(body, "tools/call", ""), HeaderCheck::method_mismatch);
}

TEST(HeaderCheck, NotApplicable) {
  EXPECT_EQ(check(R"({"jsonrpc":"2.0","id":1,"result":{}})", "", ""),
            HeaderCheck::not_applicable);
  EXPECT_EQ(check(R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"}])", "tools/list", ""),
            HeaderCheck::not_applicable);
  Inspection in;
  ASSERT_EQ(inspect("{nope", true, in), InspectStatus::parse_error);
  EXPECT_EQ(check_stateless_headers(in, "tools/list", ""), HeaderCheck::not_applicable);
}

TEST(HeaderCheck, TruncatedBodies) {
  const std::string big = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{)"
                          R"("arguments":{"blob":")" + std::string(100'000, 'x') +
                          R"("},"name":"late"}})";
  Inspection in;
  ASSERT_EQ(inspect(big, true, in), InspectStatus::incomplete);
  EXPECT_EQ(check_stateless_headers(in, "tools/call", "late"), HeaderCheck::unverifiable);
  EXPECT_EQ(check_stateless_headers(in, "tools/list", "late"), HeaderCheck::method_mismatch);
  // Name before the big arguments: fully verifiable from the prefix.
  const std::string early = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{)"
                            R"("name":"early","arguments":{"blob":")" +
                            std::string(100'000, 'x') + R"("}}})";
  ASSERT_EQ(inspect(early, true, in), InspectStatus::incomplete);
  EXPECT_EQ(check_stateless_headers(in, "tools/call", "early"), HeaderCheck::ok);
  EXPECT_EQ(check_stateless_headers(in, "tools/call", "other"), HeaderCheck::name_mismatch);
  // Cut before the method.
  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","id":1,"meth)", false, in), InspectStatus::incomplete);
  EXPECT_EQ(check_stateless_headers(in, "tools/call", "x"), HeaderCheck::unverifiable);
}

TEST(HeaderCheck, CompareMirroredValue) {
  EXPECT_EQ(compare_mirrored_value("abc", "abc"), HeaderCheck::ok);
  EXPECT_EQ(compare_mirrored_value("=?base64?" "?=", ""), HeaderCheck::ok);
  EXPECT_EQ(compare_mirrored_value("=?base64?YWJj?=", "abc"), HeaderCheck::ok);
  EXPECT_EQ(compare_mirrored_value("=?BASE64?YWJj?=", "abc"), HeaderCheck::name_mismatch);
  EXPECT_EQ(compare_mirrored_value("a b\tc", "a b\tc"), HeaderCheck::ok);
  // Non-ASCII must travel base64-encoded, even when the raw bytes equal the body value.
  EXPECT_EQ(compare_mirrored_value("caf\xc3\xa9", "caf\xc3\xa9"), HeaderCheck::bad_name_encoding);
  EXPECT_EQ(compare_mirrored_value("a\x01", "a\x01"), HeaderCheck::bad_name_encoding);
  EXPECT_EQ(compare_mirrored_value("=?base64?Y2Fmw6k=?=", "caf\xc3\xa9"), HeaderCheck::ok);
  EXPECT_EQ(to_string(HeaderCheck::bad_name_encoding), "bad_name_encoding");
}

}  // namespace
}  // namespace mcplb::mcp
