#include "http/client_ip.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace mcplb::http {
namespace {

core::Ip16 ip(std::string_view text) {
  auto v = core::parse_ip(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v.value_or(core::Ip16{});
}

std::string text(const core::Ip16& a) {
  IpText buf;
  return std::string(format_ip(a, buf));
}

struct Case {
  const char* name;
  const char* peer;
  std::vector<const char*> trusted;
  std::vector<std::string_view> xff;
  std::vector<std::string_view> forwarded;
  const char* want;
};

std::string run(const Case& c) {
  std::vector<core::Cidr> nets;
  for (const char* t : c.trusted) {
    auto n = core::parse_cidr(t);
    EXPECT_TRUE(n.has_value()) << t;
    nets.push_back(n.value_or(core::Cidr{}));
  }
  return text(client_ip(ip(c.peer), nets, c.xff, c.forwarded));
}

const std::vector<const char*> kLan = {"10.0.0.0/8"};

TEST(ClientIp, Table) {
  const std::vector<Case> cases = {
      // Untrusted peers are their own client, whatever they claim.
      {"spoofed xff from untrusted peer", "198.51.100.9", kLan, {"1.2.3.4"}, {}, "198.51.100.9"},
      {"spoofed forwarded from untrusted peer", "198.51.100.9", kLan, {}, {"for=1.2.3.4"},
       "198.51.100.9"},
      {"no trusted proxies at all", "10.0.0.1", {}, {"1.2.3.4"}, {}, "10.0.0.1"},
      {"trusted peer without headers", "10.0.0.1", kLan, {}, {}, "10.0.0.1"},
      {"trusted peer, blank header", "10.0.0.1", kLan, {"  "}, {}, "10.0.0.1"},
      {"one hop", "10.0.0.1", kLan, {"203.0.113.7"}, {}, "203.0.113.7"},
      {"chain of proxies", "10.0.0.4", kLan, {"203.0.113.7, 10.0.0.2,10.0.0.3"}, {},
       "203.0.113.7"},
      {"client-written entries left of the client", "10.0.0.4", kLan,
       {"6.6.6.6, 7.7.7.7, 203.0.113.7, 10.0.0.2"}, {}, "203.0.113.7"},
      {"all trusted: leftmost", "10.0.0.4", kLan, {"10.0.0.1, 10.0.0.2"}, {}, "10.0.0.1"},
      {"garbage in the middle: last trusted hop", "10.0.0.4", kLan,
       {"6.6.6.6, garbage, 10.0.0.2, 10.0.0.3"}, {}, "10.0.0.2"},
      {"garbage right-most: the peer", "10.0.0.4", kLan, {"6.6.6.6, 10.0.0.2, 1.2.3"}, {},
       "10.0.0.4"},
      {"unknown stops", "10.0.0.4", kLan, {"6.6.6.6, unknown, 10.0.0.2"}, {}, "10.0.0.2"},
      {"garbage left of the client is never read", "10.0.0.4", kLan,
       {"garbage, 203.0.113.7, 10.0.0.2"}, {}, "203.0.113.7"},
      {"empty elements skipped", "10.0.0.4", kLan, {",203.0.113.7,, 10.0.0.2 ,"}, {},
       "203.0.113.7"},
      {"ipv4 with port", "10.0.0.4", kLan, {"203.0.113.7:5678"}, {}, "203.0.113.7"},
      {"trusted ipv4 with port", "10.0.0.4", kLan, {"203.0.113.7, 10.0.0.9:443"}, {},
       "203.0.113.7"},
      {"bracketed ipv6 with port", "10.0.0.4", kLan, {"[2001:db8::1]:4711"}, {}, "2001:db8::1"},
      {"bracketed ipv6", "10.0.0.4", kLan, {"[2001:db8::1]"}, {}, "2001:db8::1"},
      {"bare ipv6", "10.0.0.4", kLan, {"2001:db8::1"}, {}, "2001:db8::1"},
      {"port out of range", "10.0.0.4", kLan, {"6.6.6.6, 203.0.113.7:65536"}, {}, "10.0.0.4"},
      {"empty port", "10.0.0.4", kLan, {"203.0.113.7:"}, {}, "10.0.0.4"},
      {"ipv4 in brackets", "10.0.0.4", kLan, {"[203.0.113.7]"}, {}, "10.0.0.4"},
      {"unclosed bracket", "10.0.0.4", kLan, {"[2001:db8::1"}, {}, "10.0.0.4"},
      {"obfuscated port not in xff", "10.0.0.4", kLan, {"[2001:db8::1]:_a"}, {}, "10.0.0.4"},
      {"ipv6 zone", "10.0.0.4", kLan, {"fe80::1%eth0"}, {}, "10.0.0.4"},
      {"mapped v4 text is trusted by a v4 prefix", "10.0.0.4", kLan,
       {"203.0.113.7, ::ffff:10.0.0.2"}, {}, "203.0.113.7"},
      {"several header lines are one list", "10.0.0.4", kLan,
       {"6.6.6.6, 203.0.113.7", "10.0.0.2", "10.0.0.3"}, {}, "203.0.113.7"},
      {"client in the last line", "10.0.0.4", kLan, {"6.6.6.6", "203.0.113.8, 10.0.0.2"}, {},
       "203.0.113.8"},
      // Forwarded (RFC 7239).
      {"forwarded one hop", "10.0.0.4", kLan, {}, {"for=192.0.2.60;proto=http;by=203.0.113.43"},
       "192.0.2.60"},
      {"forwarded quoted ipv6 with port", "10.0.0.4", kLan, {},
       {"for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\""}, "2001:db8:cafe::17"},
      {"forwarded quoted ipv4 with port, name case", "10.0.0.4", kLan, {},
       {"For=\"192.0.2.43:47011\""}, "192.0.2.43"},
      {"forwarded chain", "10.0.0.4", kLan, {},
       {"for=6.6.6.6, for=192.0.2.43;proto=https, for=10.0.0.2"}, "192.0.2.43"},
      {"forwarded spaces around separators", "10.0.0.4", kLan, {},
       {"  for=192.0.2.43 ; proto=https ,for=10.0.0.2  "}, "192.0.2.43"},
      {"forwarded unknown stops", "10.0.0.4", kLan, {}, {"for=6.6.6.6, for=unknown, for=10.0.0.2"},
       "10.0.0.2"},
      {"forwarded obfuscated stops", "10.0.0.4", kLan, {}, {"for=6.6.6.6, for=\"_gazonk\""},
       "10.0.0.4"},
      {"forwarded obfuscated port is fine", "10.0.0.4", kLan, {}, {"for=\"[2001:db8::1]:_p1\""},
       "2001:db8::1"},
      {"forwarded wins over xff", "10.0.0.4", kLan, {"203.0.113.7"}, {"for=198.51.100.1"},
       "198.51.100.1"},
      {"blank forwarded: xff", "10.0.0.4", kLan, {"203.0.113.7"}, {" "}, "203.0.113.7"},
      {"forwarded element without for", "10.0.0.4", kLan, {}, {"for=6.6.6.6, proto=https"},
       "10.0.0.4"},
      {"forwarded for twice in one element", "10.0.0.4", kLan, {},
       {"for=6.6.6.6;for=203.0.113.7"}, "10.0.0.4"},
      {"forwarded comma inside quotes", "10.0.0.4", kLan, {},
       {"for=\"[2001:db8::1]:80\";host=\"a,b\", for=10.0.0.2"}, "2001:db8::1"},
      {"forwarded unterminated quote swallows the line", "10.0.0.4", kLan, {},
       {"for=\"6.6.6.6, for=10.0.0.2"}, "10.0.0.4"},
      {"forwarded unterminated quote ends at its line", "10.0.0.4", kLan, {},
       {"for=\"6.6.6.6", "for=203.0.113.9"}, "203.0.113.9"},
      {"forwarded quoted-pair refused", "10.0.0.4", kLan, {}, {"for=\"203.0.113.\\7\""},
       "10.0.0.4"},
      {"forwarded garbage after value", "10.0.0.4", kLan, {}, {"for=6.6.6.6 x, for=10.0.0.2"},
       "10.0.0.2"},
      {"forwarded missing value", "10.0.0.4", kLan, {}, {"for=, for=10.0.0.2"}, "10.0.0.2"},
      {"forwarded empty elements", "10.0.0.4", kLan, {}, {",for=192.0.2.1,,"}, "192.0.2.1"},
      {"forwarded several lines", "10.0.0.4", kLan, {}, {"for=6.6.6.6", "for=192.0.2.1"},
       "192.0.2.1"},
      // Address families.
      {"v4 peer, v4-mapped v6 prefix", "10.0.0.4", {"::ffff:10.0.0.0/104"}, {"203.0.113.7"}, {},
       "203.0.113.7"},
      {"v4 peer, unrelated v6 prefix", "10.0.0.4", {"fd00::/8"}, {"203.0.113.7"}, {}, "10.0.0.4"},
      {"v6 peer, v6 prefix", "fd00::5", {"fd00::/8"}, {"203.0.113.7"}, {}, "203.0.113.7"},
      {"v6 peer, v4 prefix", "fd00::5", kLan, {"203.0.113.7"}, {}, "fd00::5"},
      {"mixed chain", "fd00::5", {"fd00::/8", "10.0.0.0/8"},
       {"2001:db8::7, [fd00::9]:80, 10.1.2.3"}, {}, "2001:db8::7"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(run(c), c.want) << c.name;
  }
}

TEST(ClientIp, FormatIp) {
  EXPECT_EQ(text(ip("10.0.0.1")), "10.0.0.1");
  EXPECT_EQ(text(ip("::ffff:192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(text(ip("2001:0db8:0:0:0:0:0:1")), "2001:db8::1");
  EXPECT_EQ(text(ip("::1")), "::1");
  EXPECT_EQ(text(ip("::")), "::");
  IpText buf;
  const core::Ip16 longest = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
  EXPECT_EQ(format_ip(longest, buf), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
}

}  // namespace
}  // namespace mcplb::http
