#include "mcp/error.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace mcplb::mcp {
namespace {

// Parses `body` with simdjson's DOM (full validation) and returns error.message.
std::string parsed_message(const std::string& body, std::string* id_out = nullptr,
                           int64_t* code_out = nullptr) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  std::string_view msg;
  EXPECT_EQ(doc["error"]["message"].get(msg), simdjson::SUCCESS) << body;
  std::string_view origin;
  EXPECT_EQ(doc["error"]["data"]["origin"].get(origin), simdjson::SUCCESS) << body;
  EXPECT_EQ(origin, "mcplb");
  std::string_view version;
  EXPECT_EQ(doc["jsonrpc"].get(version), simdjson::SUCCESS);
  EXPECT_EQ(version, "2.0");
  if (id_out != nullptr) {
    *id_out = simdjson::minify(doc["id"]);
  }
  if (code_out != nullptr) {
    EXPECT_EQ(doc["error"]["code"].get(*code_out), simdjson::SUCCESS);
  }
  return std::string(msg);
}

TEST(ErrorMapping, Table) {
  struct Row {
    ErrorKind kind;
    uint16_t status;
    int32_t code;
  };
  const Row rows[] = {
      {ErrorKind::parse_error, 400, -32700},
      {ErrorKind::invalid_request, 400, -32600},
      {ErrorKind::header_mismatch, 400, -32020},
      {ErrorKind::session_not_found, 404, -32001},
      {ErrorKind::no_route, 404, -32601},
      {ErrorKind::backend_unavailable, 502, -32003},
      {ErrorKind::backend_timeout, 504, -32004},
      {ErrorKind::overloaded, 503, -32005},
      {ErrorKind::body_too_large, 413, -32600},
      {ErrorKind::header_too_large, 431, -32600},
      {ErrorKind::rate_limited, 429, -32006},
      {ErrorKind::forbidden, 403, -32000},
      {ErrorKind::internal, 500, -32603},
  };
  static_assert(std::size(rows) == kErrorKindCount);
  for (const Row& r : rows) {
    const ErrorInfo& info = error_info(r.kind);
    EXPECT_EQ(info.http_status, r.status) << info.name;
    EXPECT_EQ(info.jsonrpc_code, r.code) << info.name;
    EXPECT_FALSE(info.default_message.empty());
    EXPECT_FALSE(info.reason_phrase.empty());
  }
  EXPECT_EQ(error_info(ErrorKind::session_not_found).name, "session_not_found");
  EXPECT_EQ(error_info(ErrorKind::body_too_large).reason_phrase, "Content Too Large");
}

TEST(ErrorBody, ExactShape) {
  EXPECT_EQ(jsonrpc_error_body(ErrorKind::invalid_request, "bad thing"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"bad thing",)"
            R"("data":{"origin":"mcplb"}}})");
  EXPECT_EQ(jsonrpc_error_body(ErrorKind::session_not_found),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32001,)"
            R"("message":"Session not found","data":{"origin":"mcplb"}}})");
}

TEST(ErrorBody, Ids) {
  std::string id;
  parsed_message(jsonrpc_error_body(ErrorKind::internal, "x", "42"), &id);
  EXPECT_EQ(id, "42");
  parsed_message(jsonrpc_error_body(ErrorKind::internal, "x", R"("req-\"7\"")"), &id);
  EXPECT_EQ(id, R"("req-\"7\"")");
  const std::string with_exponent = jsonrpc_error_body(ErrorKind::internal, "x", "-1.5e3");
  parsed_message(with_exponent);
  EXPECT_NE(with_exponent.find(R"("id":-1.5e3,)"), std::string::npos);
  // Anything that is not a number or string token becomes null rather than breaking the JSON.
  for (std::string_view bad : {"", "null", "{}", "[1]", "true", "1 2", "01", "\"open",
                               "\"a\"b\"", "\"\\x\"", "\"\x01\"", "\"\xff\"", "1,\"x\":2"}) {
    const std::string body = jsonrpc_error_body(ErrorKind::internal, "x", bad);
    parsed_message(body, &id);
    EXPECT_EQ(id, "null") << bad;
  }
}

TEST(ErrorBody, EscapesMessages) {
  const std::string nasty = std::string("quote\" back\\ nl\n cr\r tab\t nul") + '\0' +
                            " bell\x07 del\x7f utf8 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  const std::string body = jsonrpc_error_body(ErrorKind::header_mismatch, nasty, "1");
  EXPECT_NE(body.find(R"(quote\" back\\ nl\n cr\r tab\t nul\u0000 bell\u0007)"),
            std::string::npos)
      << body;
  EXPECT_EQ(parsed_message(body), nasty);
}

TEST(ErrorBody, InvalidUtf8IsReplaced) {
  const std::string replacement = "\xef\xbf\xbd";
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"a\xff" "b", "a" + replacement + "b"},
      {"\xc3", replacement},                                    // truncated sequence
      {"\xc0\xaf", replacement + replacement},                  // overlong '/'
      {"\xed\xa0\x80", replacement + replacement + replacement},  // surrogate
      {"\xf4\x90\x80\x80", replacement + replacement + replacement + replacement},  // > U+10FFFF
      {"\xe2\x82", replacement + replacement},
  };
  for (const Case& c : cases) {
    std::string out;
    append_json_escaped(out, c.in);
    EXPECT_EQ(out, c.out);
    EXPECT_EQ(parsed_message(jsonrpc_error_body(ErrorKind::internal, c.in)), c.out);
  }
}

TEST(ErrorBody, AppendsAndUsesDefaultMessage) {
  std::string out = "prefix:";
  append_jsonrpc_error_body(out, ErrorKind::rate_limited);
  EXPECT_EQ(out.rfind("prefix:", 0), 0u);
  int64_t code = 0;
  EXPECT_EQ(parsed_message(out.substr(7), nullptr, &code), "Rate limit exceeded");
  EXPECT_EQ(code, -32006);
}

TEST(HttpErrorResponse, CompleteResponse) {
  std::string out = "earlier bytes|";
  append_http_error_response(out, ErrorKind::rate_limited, "slow down", "7",
                             HttpErrorOptions{.close = true, .retry_after_seconds = 3});
  const std::string body = jsonrpc_error_body(ErrorKind::rate_limited, "slow down", "7");
  const std::string expected = "earlier bytes|HTTP/1.1 429 Too Many Requests\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: " + std::to_string(body.size()) + "\r\n"
                               "Retry-After: 3\r\n"
                               "Connection: close\r\n"
                               "\r\n" + body;
  EXPECT_EQ(out, expected);
}

TEST(HttpErrorResponse, EveryKindIsWellFormed) {
  for (size_t k = 0; k < kErrorKindCount; ++k) {
    const auto kind = static_cast<ErrorKind>(k);
    std::string out;
    append_http_error_response(out, kind, std::string(3000, 'x') + "\"\n");
    const size_t head_end = out.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    const std::string head = out.substr(0, head_end + 4);
    const std::string body = out.substr(head_end + 4);
    const ErrorInfo& info = error_info(kind);
    EXPECT_EQ(head.rfind("HTTP/1.1 " + std::to_string(info.http_status) + " " +
                             std::string(info.reason_phrase) + "\r\n", 0), 0u);
    EXPECT_NE(head.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
              std::string::npos);
    EXPECT_EQ(head.find("Connection"), std::string::npos);
    EXPECT_EQ(head.find("Retry-After"), std::string::npos);
    int64_t code = 0;
    parsed_message(body, nullptr, &code);
    EXPECT_EQ(code, info.jsonrpc_code);
  }
}

}  // namespace
}  // namespace mcplb::mcp
