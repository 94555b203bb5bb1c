#include "net/http1_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace mcplb::net {
namespace {

struct Parsed {
  bool header_done = false;
  bool done = false;
  HeadError error = HeadError::none;
  size_t used = 0;
  std::string host;
  std::vector<std::pair<std::string, bool>> fields;  // name, dropped
};

Parsed parse_request(const std::string& text, size_t max_header = 16 * 1024) {
  static FieldRef scratch[kMaxFields];
  RequestParser p(text.data(), text.size(), scratch);
  p.eager(true);
  p.header_limit(static_cast<uint32_t>(max_header));
  p.body_limit(1024 * 1024);
  error_code ec;
  Parsed r;
  r.used = p.put(boost::asio::buffer(text.data(), text.size()), ec);
  r.header_done = p.is_header_done();
  r.done = p.is_done();
  if (ec && ec != http::error::need_more) {
    r.error = classify(ec, p.head_error);
  }
  if (r.header_done) {
    if (p.host) {
      r.host = std::string(p.host->in(text.data()));
    }
    for (size_t i = 0; i < p.field_count; ++i) {
      r.fields.emplace_back(std::string(p.fields[i].name.in(text.data())), p.fields[i].drop);
    }
  }
  return r;
}

bool dropped(const Parsed& p, const std::string& name) {
  for (const auto& [n, d] : p.fields) {
    if (n == name) {
      return d;
    }
  }
  ADD_FAILURE() << "no field " << name;
  return false;
}

TEST(Http1Parser, SimplePostIsComplete) {
  auto r = parse_request("POST /mcp HTTP/1.1\r\nHost: a.example\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.error, HeadError::none);
  EXPECT_EQ(r.host, "a.example");
  EXPECT_TRUE(dropped(r, "Content-Length"));  // re-emitted normalized by the proxy
}

TEST(Http1Parser, HopByHopFieldsAreDropped) {
  auto r = parse_request(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\n"
      "TE: trailers\r\nTrailer: X\r\nUpgrade: websocket\r\nProxy-Connection: x\r\n"
      "Proxy-Authorization: Basic x\r\nX-Secret: 1\r\nX-Kept: 2\r\n\r\n");
  ASSERT_TRUE(r.header_done);
  for (const char* name : {"Connection", "Keep-Alive", "TE", "Trailer", "Upgrade",
                           "Proxy-Connection", "Proxy-Authorization", "X-Secret"}) {
    EXPECT_TRUE(dropped(r, name)) << name;
  }
  EXPECT_FALSE(dropped(r, "X-Kept"));
  EXPECT_FALSE(dropped(r, "Host"));
}

TEST(Http1Parser, ForwardedHeadersFromClientAreReplaced) {
  auto r = parse_request(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n"
      "X-Forwarded-Host: evil\r\n\r\n");
  ASSERT_TRUE(r.header_done);
  EXPECT_TRUE(dropped(r, "X-Forwarded-For"));
  EXPECT_TRUE(dropped(r, "X-Forwarded-Proto"));
  EXPECT_TRUE(dropped(r, "X-Forwarded-Host"));
}

struct Smuggle {
  const char* name;
  std::string request;
};

constexpr char kNulRequest[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";

class SmugglingTest : public ::testing::TestWithParam<Smuggle> {};

TEST_P(SmugglingTest, IsMalformed) {
  auto r = parse_request(GetParam().request);
  EXPECT_EQ(r.error, HeadError::malformed) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SmugglingTest,
    ::testing::Values(
        Smuggle{"cl_and_te", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        Smuggle{"te_and_cl", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                             "Content-Length: 4\r\n\r\n0\r\n\r\n"},
        Smuggle{"two_cl", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
                          "Content-Length: 2\r\n\r\nab"},
        Smuggle{"cl_list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\nab"},
        Smuggle{"te_chunked_identity", "POST / HTTP/1.1\r\nHost: h\r\n"
                                       "Transfer-Encoding: chunked, identity\r\n\r\n"},
        Smuggle{"te_xchunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n"},
        Smuggle{"te_twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        Smuggle{"space_before_colon", "POST / HTTP/1.1\r\nHost: h\r\n"
                                      "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"},
        Smuggle{"obs_fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  continued\r\n\r\n"},
        Smuggle{"bad_chunk_size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                                  "\r\nzz\r\nhello\r\n0\r\n\r\n"},
        Smuggle{"negative_cl", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"},
        Smuggle{"huge_cl", "POST / HTTP/1.1\r\nHost: h\r\n"
                           "Content-Length: 99999999999999999999999\r\n\r\n"},
        Smuggle{"no_host_11", "GET / HTTP/1.1\r\nX: y\r\n\r\n"},
        Smuggle{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
        Smuggle{"http09", "GET /\r\n\r\n"},
        Smuggle{"nul_in_value", std::string(kNulRequest, sizeof(kNulRequest) - 1)},
        Smuggle{"connect", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"},
        Smuggle{"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Http1Parser, HeadOverLimitIsTooLarge) {
  std::string big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse_request(big, 1024).error, HeadError::too_large);
}

TEST(Http1Parser, BodyOverLimitIsBodyTooLarge) {
  auto r = parse_request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n");
  EXPECT_EQ(r.error, HeadError::body_too_large);
}

TEST(Http1Parser, ChunkedBodyCompletes) {
  auto r = parse_request(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.error, HeadError::none);
  EXPECT_FALSE(dropped(r, "Transfer-Encoding"));  // chunked framing is relayed verbatim
}

TEST(Http1Parser, TokenListContains) {
  EXPECT_TRUE(token_list_contains("keep-alive, X-Foo", "x-foo"));
  EXPECT_TRUE(token_list_contains(" close ", "close"));
  EXPECT_FALSE(token_list_contains("x-foobar", "x-foo"));
  EXPECT_FALSE(token_list_contains("", "x"));
}

}  // namespace
}  // namespace mcplb::net
