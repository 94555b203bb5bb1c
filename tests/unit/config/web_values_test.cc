// Host patterns, origins, header names and values (the syntaxes of `mcp:` and route matches).

#include "config/web_values.h"

#include <gtest/gtest.h>

#include <array>
#include <utility>

namespace mcplb::config {
namespace {

TEST(HostPattern, Accepts) {
  for (auto [in, out] : std::array<std::pair<const char*, const char*>, 12>{{
           {"example.com", "example.com"},
           {"Example.COM", "example.com"},
           {"example.com:8443", "example.com:8443"},
           {"example.com:08443", "example.com:8443"},
           {"*.example.com", "*.example.com"},
           {"*.Example.com:443", "*.example.com:443"},
           {"localhost", "localhost"},
           {"localhost:3000", "localhost:3000"},
           {"127.0.0.1", "127.0.0.1"},
           {"[::1]", "[::1]"},
           {"[::1]:8080", "[::1]:8080"},
           {"my_service-2.internal", "my_service-2.internal"},
       }}) {
    auto got = parse_host_pattern(in);
    ASSERT_TRUE(got.has_value()) << in;
    EXPECT_EQ(*got, out) << in;
  }
}

TEST(HostPattern, Rejects) {
  for (const char* in : {"", "*", "*.", "*example.com", "a.*.com", "ex*.com", "example.com:",
                         "example.com:0", "example.com:65536", "example.com:http", "a..b", ".a",
                         "a.", "a b", "a/b", "http://a.com", "[::1", "[::1]x", "[nothost]",
                         "*.[::1]", "::1", "a:1:2", "user@a.com"}) {
    EXPECT_FALSE(parse_host_pattern(in).has_value()) << in;
  }
  EXPECT_FALSE(parse_host_pattern(std::string(64, 'a') + ".com").has_value());  // label > 63
  EXPECT_TRUE(parse_host_pattern(std::string(63, 'a') + ".com").has_value());
}

TEST(Origin, Accepts) {
  for (auto [in, out] : std::array<std::pair<const char*, const char*>, 10>{{
           {"*", "*"},
           {"https://chat.example.com", "https://chat.example.com"},
           {"HTTPS://Chat.Example.com", "https://chat.example.com"},
           {"http://localhost:3000", "http://localhost:3000"},
           {"https://a.com:443", "https://a.com"},  // browsers drop the default port
           {"http://a.com:80", "http://a.com"},
           {"http://a.com:443", "http://a.com:443"},
           {"https://a.com:08443", "https://a.com:8443"},
           {"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
           {"http://[::1]:6274", "http://[::1]:6274"},
       }}) {
    std::string_view why;
    auto got = parse_origin(in, &why);
    ASSERT_TRUE(got.has_value()) << in << ": " << why;
    EXPECT_EQ(*got, out) << in;
  }
}

TEST(Origin, RejectsWithReason) {
  for (auto [in, why] : std::array<std::pair<const char*, const char*>, 14>{{
           {"", "expected '*' or scheme://host[:port]"},
           {"chat.example.com", "expected '*' or scheme://host[:port]"},
           {"://a.com", "expected '*' or scheme://host[:port]"},
           {"null", "expected '*' or scheme://host[:port]"},
           {"ftp://a.com", "the scheme must be http or https"},
           {"chrome-extension://abc", "the scheme must be http or https"},
           {"https://a.com/", "an origin has no path, query or fragment"},
           {"https://a.com/app", "an origin has no path, query or fragment"},
           {"https://a.com?x", "an origin has no path, query or fragment"},
           {"https://", "invalid host"},
           {"https://*.a.com", "invalid host"},
           {"https://u@a.com", "invalid host"},
           {"https://a.com:", "invalid host or port"},
           {"https://a.com:99999", "invalid port"},
       }}) {
    std::string_view got_why;
    EXPECT_FALSE(parse_origin(in, &got_why).has_value()) << in;
    EXPECT_EQ(got_why, why) << in;
  }
  EXPECT_FALSE(parse_origin("ftp://a.com", nullptr).has_value());
}

TEST(HeaderName, Tchar) {
  for (const char* ok : {"X-Tenant", "x-tenant", "Mcp-Method", "a", "!#$%&'*+-.^_`|~09AZaz"}) {
    EXPECT_TRUE(valid_header_name(ok)) << ok;
  }
  for (const char* bad : {"", "X Tenant", "X:Tenant", ":authority", "X-T\xc3\xa9", "a\"b", "a(b)",
                          "a/b", "a,b", "a;b", "a=b", "a@b", "a[b]", "a{b}", "a\tb"}) {
    EXPECT_FALSE(valid_header_name(bad)) << bad;
  }
}

TEST(HeaderValue, Rules) {
  for (const char* ok : {"", "acme", "a b", "a\tb", "caf\xc3\xa9", "=?base64?YQ==?="}) {
    EXPECT_TRUE(valid_header_value(ok)) << ok;
  }
  for (const char* bad : {" a", "a ", "\ta", "a\t", "a\nb", "a\rb", "a\x7f", "a\x01"}) {
    EXPECT_FALSE(valid_header_value(bad)) << bad;
  }
}

TEST(HttpMethods, StandardSet) {
  auto m = http_methods();
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[0], "GET");
  EXPECT_EQ(m[6], "PATCH");
}

}  // namespace
}  // namespace mcplb::config
