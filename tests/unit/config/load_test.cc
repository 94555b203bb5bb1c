// Valid configurations: defaults, a full example, shorthands, file loading, dump round trip.

#include "config/load.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/dump.h"
#include "config/policies.h"

namespace mcplb::config {
namespace {

using std::chrono::milliseconds;

constexpr const char* kMinimal =
    "pools:\n"
    "  mcp:\n"
    "    backends: [{address: \"127.0.0.1:3001\"}]\n";

constexpr const char* kFull = R"(# every key, non-default values
listen:
  - address: "0.0.0.0:9090"
    max_connections: 500
  - "[::1]:9091"
  - localhost:0
workers: 4
client:
  max_header_bytes: 32KiB
  max_body_bytes: 0
  header_timeout: 5s
  idle_timeout: 1m30s
  send_timeout: 250ms
forwarding:
  preserve_host: false
  x_forwarded: FALSE
shutdown_timeout: 0s
log:
  level: debug
pools:
  mcp:
    policy: weighted_round_robin
    backends:
      - name: a
        address: "127.0.0.1:3001"
        weight: 5
      - address: "localhost:3002"
      - "[::1]:3003"
    keepalive: {max_idle: 0, max_requests: 10, idle_timeout: 2s}
    timeouts: {connect: 1s, read: 2s, idle_stream: 1h}
  heavy:
    backends: ["127.0.0.1:4001"]
routes:
  - match: {path_prefix: /heavy, host: Example.COM}
    pool: heavy
  - match: {path_prefix: /mcp}
    pool: mcp
  - pool: heavy
)";

LoadResult load(std::string_view text) { return load_string(text, "t.yaml"); }

std::string all(const std::vector<Diag>& v) {
  std::string s;
  for (const auto& d : v) {
    s += d.str() + "\n";
  }
  return s;
}

TEST(Defaults, DefaultConfig) {
  Config c = default_config();
  ASSERT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.listen[0].address.str(), "127.0.0.1:8080");
  EXPECT_EQ(c.listen[0].max_connections, 10000u);
  EXPECT_EQ(c.workers, 0u);
  EXPECT_TRUE(c.pools.empty());
  EXPECT_TRUE(c.routes.empty());
  EXPECT_EQ(c.shutdown_timeout, milliseconds(30'000));
  EXPECT_EQ(c.log.level, "info");
}

TEST(Defaults, MinimalFileGetsDocumentedDefaults) {
  auto r = load(kMinimal);
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all(r.warnings);
  const Config& c = *r.config;
  EXPECT_EQ(c.source, "t.yaml");
  ASSERT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.listen[0].address.str(), "127.0.0.1:8080");
  EXPECT_EQ(c.listen[0].max_connections, 10000u);
  EXPECT_EQ(c.workers, 0u);
  EXPECT_EQ(c.client.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.client.max_body_bytes, 64ull << 20);
  EXPECT_EQ(c.client.header_timeout, milliseconds(10'000));
  EXPECT_EQ(c.client.idle_timeout, milliseconds(75'000));
  EXPECT_EQ(c.client.send_timeout, milliseconds(60'000));
  EXPECT_TRUE(c.forwarding.preserve_host);
  EXPECT_TRUE(c.forwarding.x_forwarded);
  EXPECT_TRUE(c.forwarding.trusted_proxies.empty());
  EXPECT_EQ(c.shutdown_timeout, milliseconds(30'000));
  EXPECT_EQ(c.log.level, "info");
  ASSERT_EQ(c.pools.size(), 1u);
  const Pool& p = c.pools[0];
  EXPECT_EQ(p.name, "mcp");
  EXPECT_EQ(p.policy.name, "least_sessions");  // the right default for long-lived MCP work
  EXPECT_FALSE(p.sticky.enabled);
  EXPECT_EQ(p.slow_start, milliseconds(0));
  ASSERT_EQ(p.backends.size(), 1u);
  EXPECT_EQ(p.backends[0].name, "127.0.0.1:3001");  // defaults to the address
  EXPECT_EQ(p.backends[0].weight, 1u);
  EXPECT_EQ(p.keepalive.max_idle, 64u);
  EXPECT_EQ(p.keepalive.max_requests, 1000u);
  EXPECT_EQ(p.keepalive.idle_timeout, milliseconds(60'000));
  EXPECT_EQ(p.timeouts.connect, milliseconds(5'000));
  EXPECT_EQ(p.timeouts.read, milliseconds(60'000));
  EXPECT_EQ(p.timeouts.idle_stream, milliseconds(300'000));
  EXPECT_TRUE(c.routes.empty());  // everything goes to the only pool
}

TEST(Load, FullExample) {
  auto r = load(kFull);
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all(r.warnings);
  const Config& c = *r.config;
  ASSERT_EQ(c.listen.size(), 3u);
  EXPECT_EQ(c.listen[0].address.str(), "0.0.0.0:9090");
  EXPECT_EQ(c.listen[0].max_connections, 500u);
  EXPECT_EQ(c.listen[0].mark.line, 3);
  EXPECT_EQ(c.listen[0].mark.col, 14);
  EXPECT_EQ(c.listen[0].mark.file, "t.yaml");
  EXPECT_EQ(c.listen[1].address.str(), "[::1]:9091");
  EXPECT_EQ(c.listen[2].address.str(), "127.0.0.1:0");
  EXPECT_EQ(c.workers, 4u);
  EXPECT_EQ(c.client.max_header_bytes, 32u * 1024);
  EXPECT_EQ(c.client.max_body_bytes, 0u);
  EXPECT_EQ(c.client.header_timeout, milliseconds(5'000));
  EXPECT_EQ(c.client.idle_timeout, milliseconds(90'000));
  EXPECT_EQ(c.client.send_timeout, milliseconds(250));
  EXPECT_FALSE(c.forwarding.preserve_host);
  EXPECT_FALSE(c.forwarding.x_forwarded);
  EXPECT_EQ(c.shutdown_timeout, milliseconds(0));
  EXPECT_EQ(c.log.level, "debug");
  ASSERT_EQ(c.pools.size(), 2u);
  const Pool& mcp = c.pools[0];  // file order
  EXPECT_EQ(mcp.name, "mcp");
  EXPECT_EQ(mcp.mark.line, 21);
  EXPECT_EQ(mcp.mark.col, 3);
  EXPECT_EQ(mcp.policy.name, "weighted_round_robin");
  ASSERT_EQ(mcp.backends.size(), 3u);
  EXPECT_EQ(mcp.backends[0].name, "a");
  EXPECT_EQ(mcp.backends[0].weight, 5u);
  EXPECT_EQ(mcp.backends[1].name, "127.0.0.1:3002");
  EXPECT_EQ(mcp.backends[2].name, "[::1]:3003");
  EXPECT_EQ(mcp.backends[2].address.host, "::1");
  EXPECT_EQ(mcp.keepalive.max_idle, 0u);
  EXPECT_EQ(mcp.keepalive.max_requests, 10u);
  EXPECT_EQ(mcp.keepalive.idle_timeout, milliseconds(2'000));
  EXPECT_EQ(mcp.timeouts.connect, milliseconds(1'000));
  EXPECT_EQ(mcp.timeouts.read, milliseconds(2'000));
  EXPECT_EQ(mcp.timeouts.idle_stream, milliseconds(3'600'000));
  EXPECT_EQ(c.pools[1].name, "heavy");
  EXPECT_EQ(c.find_pool("heavy"), &c.pools[1]);
  EXPECT_EQ(c.find_pool("nope"), nullptr);
  ASSERT_EQ(c.routes.size(), 3u);
  EXPECT_EQ(c.routes[0].match.path_prefix, "/heavy");
  EXPECT_EQ(c.routes[0].match.host, "example.com");  // matched case-insensitively
  EXPECT_EQ(c.routes[0].pool, "heavy");
  EXPECT_EQ(c.routes[1].pool, "mcp");
  EXPECT_EQ(c.routes[2].match.path_prefix, "");
  EXPECT_EQ(c.routes[2].mark.line, 38);
  EXPECT_EQ(c.routes[2].mark.col, 5);
}

TEST(Load, EmptySectionsMeanDefaults) {
  auto r = load(std::string("client:\nforwarding: {}\nlog:\n") + kMinimal);
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_EQ(r.config->client.max_header_bytes, 16u * 1024);
}

TEST(Load, WorkersAuto) {
  auto r = load(std::string("workers: auto\n") + kMinimal);
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_EQ(r.config->workers, 0u);
}

TEST(Load, ListenPortZeroMayRepeat) {
  auto r = load(std::string("listen: [\"127.0.0.1:0\", \"127.0.0.1:0\"]\n") + kMinimal);
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_EQ(r.config->listen.size(), 2u);
}

TEST(Load, KnownPoliciesAreOneList) {
  std::vector<std::string_view> names(known_policies().begin(), known_policies().end());
  EXPECT_EQ(names, (std::vector<std::string_view>{"round_robin", "weighted_round_robin",
                                                  "random", "least_conn", "least_request",
                                                  "least_sessions", "ip_hash", "hash"}));
}

TEST(Load, Warnings) {
  auto r = load(
      "pools:\n"
      "  a:\n"
      "    backends:\n"
      "      - {name: x, address: \"127.0.0.1:1\"}\n"
      "      - {name: y, address: \"localhost:1\"}\n"
      "  b: {backends: [\"127.0.0.1:2\"]}\n"
      "  c: {backends: [\"127.0.0.1:3\"]}\n"
      "routes:\n"
      "  - {match: {path_prefix: /}, pool: a}\n"
      "  - {match: {path_prefix: /x, host: h}, pool: b}\n");
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_EQ(all(r.warnings),
            "t.yaml:5:28: backend address '127.0.0.1:1' is listed twice in pool 'a' (first at "
            "4:28)\n"
            "t.yaml:7:3: pool 'c' is not used by any route\n"
            "t.yaml:10:5: route can never match: the route at 9:5 matches all of its requests "
            "first\n");
}

TEST(LoadFile, ReadsFile) {
  auto path = std::filesystem::temp_directory_path() / "mcplb_config_test.yaml";
  { std::ofstream(path) << kMinimal; }
  auto r = load_file(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(r.ok()) << all(r.errors);
  EXPECT_EQ(r.config->source, path.string());
}

TEST(LoadFile, MissingFile) {
  auto r = load_file("/nonexistent/mcplb.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "/nonexistent/mcplb.yaml:0:0: cannot read: No such file or directory");
}

TEST(LoadFile, Directory) {
  auto r = load_file(std::filesystem::temp_directory_path().string());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "cannot read: Is a directory");
}

TEST(Dump, RoundTrips) {
  for (const char* text : {kMinimal, kFull}) {
    auto first = load(text);
    ASSERT_TRUE(first.ok()) << all(first.errors);
    std::string once = dump(*first.config);
    auto second = load(once);
    ASSERT_TRUE(second.ok()) << all(second.errors) << once;
    EXPECT_EQ(dump(*second.config), once);
  }
}

TEST(Dump, Canonical) {
  auto r = load(kMinimal);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(dump(*r.config),
            "listen:\n"
            "  - {address: \"127.0.0.1:8080\", max_connections: 10000}\n"
            "workers: auto\n"
            "client:\n"
            "  max_header_bytes: 16k\n"
            "  max_body_bytes: 64m\n"
            "  header_timeout: 10s\n"
            "  idle_timeout: 1m15s\n"
            "  send_timeout: 1m\n"
            "forwarding:\n"
            "  preserve_host: true\n"
            "  x_forwarded: true\n"
            "  trusted_proxies: []\n"
            "shutdown_timeout: 30s\n"
            "log:\n"
            "  level: info\n"
            "session:\n"
            "  keys: []\n"
            "  ttl: 24h\n"
            "mcp:\n"
            "  sse_path: \"/sse\"\n"
            "  message_path: \"/message\"\n"
            "  max_inspect_bytes: 64k\n"
            "  allowed_hosts: []\n"
            "  allowed_origins: []\n"
            "  cors: {enabled: false, allow_origins: [], max_age: 10m}\n"
            "pools:\n"
            "  \"mcp\":\n"
            "    policy: least_sessions\n"
            "    slow_start: 0s\n"
            "    backends:\n"
            "      - {name: \"127.0.0.1:3001\", address: \"127.0.0.1:3001\", weight: 1}\n"
            "    keepalive: {max_idle: 64, max_requests: 1000, idle_timeout: 1m}\n"
            "    timeouts: {connect: 5s, read: 1m, idle_stream: 5m}\n"
            "    health:\n"
            "      passive: {max_fails: 1, fail_timeout: 10s, consecutive_errors: 5,\n"
            "                base_ejection_time: 30s, max_ejection_time: 5m, "
            "max_ejection_percent: 50}\n"
            "      panic: true\n"
            "    drain_timeout: 30s\n");
}

}  // namespace
}  // namespace mcplb::config
