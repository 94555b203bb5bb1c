// forwarding: preserve_host, x_forwarded and trusted_proxies (parsed by core::parse_cidr).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "config/dump.h"
#include "config/load.h"

namespace mcplb::config {
namespace {

constexpr const char* kPools = "pools: {mcp: {backends: [\"127.0.0.1:3001\"]}}\n";

std::string all(const std::vector<Diag>& v) {
  std::string s;
  for (const auto& d : v) {
    s += d.str() + "\n";
  }
  return s;
}

std::string errors(const std::string& forwarding) {
  auto r = load_string("forwarding:\n" + forwarding + kPools, "t.yaml");
  EXPECT_EQ(r.config.has_value(), r.errors.empty());
  return all(r.errors);
}

TEST(TrustedProxies, Valid) {
  auto r = load_string(std::string("forwarding:\n  trusted_proxies:\n"
                                   "    - 10.0.0.0/8\n"
                                   "    - \"fd00::/8\"\n"
                                   "    - 127.0.0.1\n"
                                   "    - \"::1\"\n"
                                   "    - 192.168.1.0/24\n"
                                   "    - \"2001:db8::/32\"\n"
                                   "    - 10.1.2.3/32\n") +
                           kPools,
                       "t.yaml");
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all(r.warnings);
  EXPECT_EQ(r.config->forwarding.trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "fd00::/8", "127.0.0.1", "::1",
                                      "192.168.1.0/24", "2001:db8::/32", "10.1.2.3/32"}));
  EXPECT_TRUE(r.config->forwarding.preserve_host);
}

TEST(TrustedProxies, FlowListAndEmpty) {
  auto r = load_string(std::string("forwarding: {trusted_proxies: [10.0.0.0/8, \"fd00::/8\"], "
                                   "x_forwarded: false}\n") +
                           kPools,
                       "t.yaml");
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_EQ(r.config->forwarding.trusted_proxies.size(), 2u);
  EXPECT_FALSE(r.config->forwarding.x_forwarded);
  r = load_string(std::string("forwarding: {trusted_proxies: []}\n") + kPools, "t.yaml");
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_TRUE(r.config->forwarding.trusted_proxies.empty());
}

TEST(TrustedProxies, HostBitsSet) {
  EXPECT_EQ(errors("  trusted_proxies: [10.1.2.3/8]\n"),
            "t.yaml:2:21: '10.1.2.3/8' has host bits set in 'forwarding.trusted_proxies[0]' "
            "(did you mean '10.0.0.0/8'?)\n");
  EXPECT_EQ(errors("  trusted_proxies: [127.0.0.1, \"fd00::1/8\"]\n"),
            "t.yaml:2:32: 'fd00::1/8' has host bits set in 'forwarding.trusted_proxies[1]' "
            "(did you mean 'fd00::/8'?)\n");
  EXPECT_EQ(errors("  trusted_proxies: [192.168.1.77/26]\n"),
            "t.yaml:2:21: '192.168.1.77/26' has host bits set in "
            "'forwarding.trusted_proxies[0]' (did you mean '192.168.1.64/26'?)\n");
}

TEST(TrustedProxies, Malformed) {
  auto bad = [](const std::string& entry) {
    return fmt::format("t.yaml:3:7: '{}' is not a valid address or CIDR for "
                       "'forwarding.trusted_proxies[0]' (expected e.g. 10.0.0.0/8, fd00::/8, "
                       "127.0.0.1)\n",
                       entry);
  };
  for (const char* entry : {"10.0.0.0/33", "fd00::/129", "example.com", "10.0.0/8", "10.0.0.0/",
                            "10.0.0.0/x", "10.0.0.0/8/8", "fe80::1%eth0", "", "10.0.0.0/-1",
                            "010.0.0.1", "10.0.0.0 /8"}) {
    EXPECT_EQ(errors(fmt::format("  trusted_proxies:\n    - \"{}\"\n", entry)), bad(entry))
        << entry;
  }
}

TEST(TrustedProxies, WrongTypesAndBounds) {
  EXPECT_EQ(errors("  trusted_proxies: 10.0.0.0/8\n"),
            "t.yaml:2:20: expected a list for 'forwarding.trusted_proxies', got '10.0.0.0/8'\n");
  EXPECT_EQ(errors("  trusted_proxies: [{cidr: 10.0.0.0/8}]\n"),
            "t.yaml:2:21: expected a string for 'forwarding.trusted_proxies[0]', got a map\n");
  std::string many = "  trusted_proxies:\n";
  for (int i = 0; i < 65; ++i) {
    many += fmt::format("    - 10.0.{}.0/24\n", i);
  }
  EXPECT_EQ(errors(many),
            "t.yaml:3:5: too many entries in 'forwarding.trusted_proxies' (at most 64)\n");
  many.resize(many.rfind("    - "));  // 64 entries
  EXPECT_EQ(errors(many), "");
  EXPECT_EQ(errors("  trusted_proxys: []\n"),
            "t.yaml:2:3: unknown key 'trusted_proxys' in 'forwarding' (did you mean "
            "'trusted_proxies'?)\n");
}

TEST(TrustedProxies, TrustingEveryoneWarns) {
  auto r = load_string(std::string("forwarding:\n  trusted_proxies: [0.0.0.0/0, \"::/0\", "
                                   "0.0.0.0/1]\n") +
                           kPools,
                       "t.yaml");
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_EQ(all(r.warnings),
            "t.yaml:2:21: '0.0.0.0/0' trusts every peer, so any client can choose its own "
            "address with X-Forwarded-For\n"
            "t.yaml:2:32: '::/0' trusts every peer, so any client can choose its own address "
            "with X-Forwarded-For\n");
}

TEST(TrustedProxies, Dump) {
  auto r = load_string(std::string("forwarding: {trusted_proxies: [10.0.0.0/8, \"fd00::/8\"]}\n") +
                           kPools,
                       "t.yaml");
  ASSERT_TRUE(r.ok()) << all(r.errors);
  std::string once = dump(*r.config);
  EXPECT_NE(once.find("  trusted_proxies: [\"10.0.0.0/8\", \"fd00::/8\"]\n"), std::string::npos)
      << once;
  auto again = load_string(once, "dump.yaml");
  ASSERT_TRUE(again.ok()) << all(again.errors);
  EXPECT_EQ(dump(*again.config), once);
}

}  // namespace
}  // namespace mcplb::config
