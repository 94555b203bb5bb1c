#include "http/cookie.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace mcplb::http {
namespace {

std::optional<std::string_view> find(std::vector<std::string_view> headers, std::string_view name) {
  return find_cookie(headers, name);
}

TEST(Cookie, Find) {
  EXPECT_EQ(find({"a=b; c=d"}, "c"), "d");
  EXPECT_EQ(find({"a=b; c=d"}, "a"), "b");
  EXPECT_EQ(find({"a=b;c=d"}, "c"), "d");
  EXPECT_EQ(find({"  a = b ;\tc=d\t"}, "a"), "b");
  EXPECT_EQ(find({"  a = b ;\tc=d\t"}, "c"), "d");
  EXPECT_EQ(find({"a=\"xyz\""}, "a"), "xyz");
  EXPECT_EQ(find({"a=\"\""}, "a"), "");
  EXPECT_EQ(find({"a=\""}, "a"), "\"");  // a lone quote is not a quoted value
  EXPECT_EQ(find({"a="}, "a"), "");
  EXPECT_EQ(find({"a=b=c"}, "a"), "b=c");
  EXPECT_EQ(find({"a=b"}, "b"), std::nullopt);
  EXPECT_EQ(find({"A=1"}, "a"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(find({"aa=1; a=2"}, "a"), "2");
  EXPECT_EQ(find({"a=1; a=2"}, "a"), "1");  // first wins
  EXPECT_EQ(find({"foo; a=1"}, "a"), "1");  // a pair without '=' is skipped
  EXPECT_EQ(find({"a; x=1"}, "a"), std::nullopt);
  EXPECT_EQ(find({"x=1", "a=2"}, "a"), "2");  // across header lines
  EXPECT_EQ(find({"a=1", "a=2"}, "a"), "1");
  EXPECT_EQ(find({"", ";;", "a=3;"}, "a"), "3");
  EXPECT_EQ(find({}, "a"), std::nullopt);
  EXPECT_EQ(find({"=1"}, ""), std::nullopt);
}

TEST(Cookie, FindPointsIntoTheHeader) {
  const std::string header = "lb=tok123; other=1";
  const std::vector<std::string_view> values = {header};
  const auto v = find_cookie(values, "lb");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->data(), header.data() + 3);
}

TEST(Cookie, SameSite) {
  EXPECT_EQ(parse_same_site("lax"), SameSite::lax);
  EXPECT_EQ(parse_same_site("Strict"), SameSite::strict);
  EXPECT_EQ(parse_same_site("NONE"), SameSite::none);
  EXPECT_EQ(parse_same_site("no"), std::nullopt);
}

TEST(Cookie, SetCookieLine) {
  SetCookie c;
  c.name = "lb_cookie";
  c.value = "abc-_123";
  std::string out = "HTTP/1.1 200 OK\r\n";
  ASSERT_TRUE(append_set_cookie(out, c));
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Set-Cookie: lb_cookie=abc-_123; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax\r\n");

  c.max_age_s = 86400;
  c.path = "/mcp";
  c.secure = true;
  c.http_only = false;
  c.same_site = SameSite::none;
  out.clear();
  ASSERT_TRUE(append_set_cookie(out, c));
  EXPECT_EQ(out,
            "Set-Cookie: lb_cookie=abc-_123; Max-Age=86400; Path=/mcp; Secure; SameSite=None\r\n");

  c.max_age_s = -5;
  c.path = "";
  c.same_site = SameSite::strict;
  out.clear();
  ASSERT_TRUE(append_set_cookie(out, c));
  EXPECT_EQ(out, "Set-Cookie: lb_cookie=abc-_123; Max-Age=0; Secure; SameSite=Strict\r\n");
}

TEST(Cookie, SetCookieBuffer) {
  SetCookie c;
  c.name = "s";
  c.value = "\"quoted\"";
  const size_t n = set_cookie_size(c);
  std::array<char, 256> buf{};
  ASSERT_EQ(write_set_cookie(c, std::span<char>(buf.data(), n)), n);
  EXPECT_EQ(std::string_view(buf.data(), n),
            "Set-Cookie: s=\"quoted\"; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax\r\n");
  EXPECT_EQ(write_set_cookie(c, std::span<char>(buf.data(), n - 1)), 0u);

  std::string s;
  c.max_age_s = INT64_MAX;
  ASSERT_TRUE(append_set_cookie(s, c));
  EXPECT_EQ(s.size(), set_cookie_size(c));
  EXPECT_NE(s.find("Max-Age=9223372036854775807;"), std::string::npos);
}

TEST(Cookie, SetCookieRefusesInjection) {
  const auto refused = [](SetCookie c) {
    std::string out = "x";
    std::array<char, 256> buf{};
    return !valid_set_cookie(c) && !append_set_cookie(out, c) && out == "x" &&
           write_set_cookie(c, buf) == 0;
  };
  SetCookie ok;
  ok.name = "lb";
  ok.value = "v";
  EXPECT_TRUE(valid_set_cookie(ok));
  SetCookie c = ok;
  c.name = "";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.name = "a b";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.name = "a=b";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.value = "v\r\nX-Evil: 1";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.value = "a;b";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.value = "a b";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.value = "\"a\"b\"";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.path = "/a; Domain=evil";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.path = "/a\n";
  EXPECT_TRUE(refused(c));
  c = ok;
  c.value = "";
  EXPECT_TRUE(valid_set_cookie(c));  // an empty value is allowed (RFC 6265 *cookie-octet)
}

}  // namespace
}  // namespace mcplb::http
