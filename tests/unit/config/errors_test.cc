// Every error kind, with its exact text and position. Files are built so the line under test
// is easy to count; kPools (a valid pools section) goes last.

#include <gtest/gtest.h>

#include <string>

#include "config/load.h"

namespace mcplb::config {
namespace {

constexpr const char* kPools = "pools: {mcp: {backends: [\"127.0.0.1:3001\"]}}\n";

// All errors, one "file:line:col: message" per line.
std::string errors(const std::string& text) {
  auto r = load_string(text, "t.yaml");
  EXPECT_EQ(r.ok(), r.errors.empty());
  EXPECT_EQ(r.config.has_value(), r.errors.empty());
  std::string s;
  for (const auto& d : r.errors) {
    s += d.str() + "\n";
  }
  return s;
}

TEST(Errors, UnknownKeys) {
  EXPECT_EQ(errors(std::string("listne: []\n") + kPools),
            "t.yaml:1:1: unknown key 'listne' in 'root' (did you mean 'listen'?)\n");
  EXPECT_EQ(errors(std::string("client:\n  max_header: 1k\n") + kPools),
            "t.yaml:2:3: unknown key 'max_header' in 'client' (did you mean "
            "'max_header_bytes'?)\n");
  EXPECT_EQ(errors(std::string("bananas: 1\n") + kPools),
            "t.yaml:1:1: unknown key 'bananas' in 'root'\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends: [\"127.0.0.1:1\"]\n    keepalive:\n"
                   "      max_idel: 3\n"),
            "t.yaml:5:7: unknown key 'max_idel' in 'pools.mcp.keepalive' (did you mean "
            "'max_idle'?)\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends:\n      - adress: \"127.0.0.1:1\"\n"),
            "t.yaml:4:9: unknown key 'adress' in 'pools.mcp.backends[0]' (did you mean "
            "'address'?)\n"
            "t.yaml:4:9: missing required key 'address' in 'pools.mcp.backends[0]'\n");
  EXPECT_EQ(errors(std::string("routes:\n  - pool: mcp\n    match: {path: /x}\n") + kPools),
            "t.yaml:3:13: unknown key 'path' in 'routes[0].match' (did you mean "
            "'path_prefix'?)\n");
}

TEST(Errors, KeyTextIsSanitized) {
  EXPECT_EQ(errors(std::string("\"a\\tb\": 1\n") + kPools),
            "t.yaml:1:1: unknown key 'a\\x09b' in 'root'\n");
  EXPECT_EQ(errors(std::string("[1]: 2\n") + kPools),
            "t.yaml:1:1: expected a string key in 'root', got a list\n");
}

TEST(Errors, WrongTypes) {
  EXPECT_EQ(errors(std::string("client: 5\n") + kPools),
            "t.yaml:1:9: expected a map for 'client', got '5'\n");
  EXPECT_EQ(errors(std::string("forwarding: [true]\n") + kPools),
            "t.yaml:1:13: expected a map for 'forwarding', got a list\n");
  EXPECT_EQ(errors("- 1\n- 2\n"), "t.yaml:1:1: expected a map for 'root', got a list\n");
  EXPECT_EQ(errors("hello\n"), "t.yaml:1:1: expected a map for 'root', got 'hello'\n");
  EXPECT_EQ(errors(std::string("listen: 5\n") + kPools),
            "t.yaml:1:9: expected a list for 'listen', got '5'\n");
  EXPECT_EQ(errors(std::string("listen:\n  - {address: \"127.0.0.1:1\", max_connections: lots}\n") +
                   kPools),
            "t.yaml:2:47: expected an integer for 'listen[0].max_connections', got 'lots'\n");
  EXPECT_EQ(errors(std::string("listen:\n  - [1]\n") + kPools),
            "t.yaml:2:5: expected an address or a map for 'listen[0]', got a list\n");
  EXPECT_EQ(errors(std::string("forwarding:\n  preserve_host: yes\n") + kPools),
            "t.yaml:2:18: expected a boolean (true or false) for 'forwarding.preserve_host', "
            "got 'yes'\n");
  EXPECT_EQ(errors(std::string("forwarding:\n  x_forwarded: {}\n") + kPools),
            "t.yaml:2:16: expected a boolean (true or false) for 'forwarding.x_forwarded', got "
            "a map\n");
  EXPECT_EQ(errors(std::string("client:\n  idle_timeout: [1s]\n") + kPools),
            "t.yaml:2:17: expected a duration for 'client.idle_timeout', got a list\n");
  EXPECT_EQ(errors(std::string("log: {level: [info]}\n") + kPools),
            "t.yaml:1:14: expected a string for 'log.level', got a list\n");
  EXPECT_EQ(errors("pools: [a, b]\n"),
            "t.yaml:1:8: expected a map of pool names for 'pools', got a list\n");
  EXPECT_EQ(errors("pools:\n  mcp: 3\n"), "t.yaml:2:8: expected a map for 'pools.mcp', got '3'\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends: {a: 1}\n"),
            "t.yaml:3:15: expected a list for 'pools.mcp.backends', got a map\n");
  EXPECT_EQ(errors(std::string("routes: {pool: mcp}\n") + kPools),
            "t.yaml:1:9: expected a list for 'routes', got a map\n");
  EXPECT_EQ(errors(std::string("routes: [mcp]\n") + kPools),
            "t.yaml:1:10: expected a map for 'routes[0]', got 'mcp'\n");
}

TEST(Errors, MissingValueIsReportedAtTheKey) {
  EXPECT_EQ(errors(std::string("workers:\n") + kPools),
            "t.yaml:1:1: 'workers' must be 'auto' or an integer between 1 and 256, got "
            "nothing\n");
  EXPECT_EQ(errors(std::string("client:\n  idle_timeout:\n") + kPools),
            "t.yaml:2:3: expected a duration for 'client.idle_timeout', got nothing\n");
}

TEST(Errors, BadAddresses) {
  EXPECT_EQ(errors(std::string("listen:\n  - \"300.1.1.1:80\"\n") + kPools),
            "t.yaml:2:5: '300.1.1.1:80' is not a valid address (expected IP:PORT or "
            "[IPv6]:PORT)\n");
  EXPECT_EQ(errors(std::string("listen:\n  - address: example.com:80\n") + kPools),
            "t.yaml:2:14: 'example.com:80' is not a valid address (expected IP:PORT or "
            "[IPv6]:PORT)\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends: [\"127.0.0.1:0\"]\n"),
            "t.yaml:3:16: port 0 is not allowed for 'pools.mcp.backends[0]'\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends:\n      - address: \"[::1]:0\"\n"),
            "t.yaml:4:18: port 0 is not allowed for 'pools.mcp.backends[0].address'\n");
}

TEST(Errors, BadDurationsAndSizes) {
  EXPECT_EQ(errors(std::string("client:\n  header_timeout: 30x\n") + kPools),
            "t.yaml:2:19: '30x' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n");
  EXPECT_EQ(errors(std::string("shutdown_timeout: 30\n") + kPools),
            "t.yaml:1:19: '30' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n");
  EXPECT_EQ(errors(std::string("client:\n  max_body_bytes: 10q\n") + kPools),
            "t.yaml:2:19: '10q' is not a valid size (use e.g. 512, 16k, 64m, 1g)\n");
}

TEST(Errors, OutOfRange) {
  EXPECT_EQ(errors(std::string("workers: 300\n") + kPools),
            "t.yaml:1:10: 'workers' must be 'auto' or an integer between 1 and 256, got "
            "'300'\n");
  EXPECT_EQ(errors(std::string("workers: 0\n") + kPools),
            "t.yaml:1:10: 'workers' must be 'auto' or an integer between 1 and 256, got '0'\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends:\n      - address: \"127.0.0.1:1\"\n"
                   "        weight: 0\n"),
            "t.yaml:5:17: 'pools.mcp.backends[0].weight' must be between 1 and 1000, got 0\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends:\n      - address: \"127.0.0.1:1\"\n"
                   "        weight: -3\n"),
            "t.yaml:5:17: 'pools.mcp.backends[0].weight' must be between 1 and 1000, got -3\n");
  EXPECT_EQ(errors(std::string("listen:\n  - address: \"127.0.0.1:1\"\n"
                               "    max_connections: 99999999999999999999999\n") +
                   kPools),
            "t.yaml:3:22: 'listen[0].max_connections' must be between 1 and 1000000, got "
            "99999999999999999999999\n");
  EXPECT_EQ(errors(std::string("client:\n  max_header_bytes: 2m\n") + kPools),
            "t.yaml:2:21: 'client.max_header_bytes' must be between 1k and 1m, got 2m\n");
  EXPECT_EQ(errors(std::string("client:\n  idle_timeout: 0s\n") + kPools),
            "t.yaml:2:17: 'client.idle_timeout' must be at least 1ms, got 0s\n");
  EXPECT_EQ(errors(std::string("shutdown_timeout: 25h\n") + kPools),
            "t.yaml:1:19: 'shutdown_timeout' must be at most 24h, got 25h\n");
}

TEST(Errors, UnknownEnumValues) {
  EXPECT_EQ(errors("pools:\n  mcp:\n    policy: round_robbin\n    backends: [\"127.0.0.1:1\"]\n"),
            "t.yaml:3:13: unknown policy 'round_robbin' (did you mean 'round_robin'?)\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    policy: fastest\n    backends: [\"127.0.0.1:1\"]\n"),
            "t.yaml:3:13: unknown policy 'fastest' (expected one of: round_robin, "
            "weighted_round_robin, random, least_conn, least_request, least_sessions, ip_hash, "
            "hash)\n");
  EXPECT_EQ(errors(std::string("log:\n  level: inf\n") + kPools),
            "t.yaml:2:10: unknown log level 'inf' (did you mean 'info'?)\n");
  EXPECT_EQ(errors(std::string("log:\n  level: verbose\n") + kPools),
            "t.yaml:2:10: unknown log level 'verbose' (expected one of: trace, debug, info, "
            "warn, error, off)\n");
}

TEST(Errors, Duplicates) {
  EXPECT_EQ(errors(std::string("workers: 2\nworkers: 3\n") + kPools),
            "t.yaml:2:1: duplicate key 'workers' in 'root' (first at 1:1)\n");
  EXPECT_EQ(errors(std::string("listen: [\"127.0.0.1:80\", \"localhost:80\"]\n") + kPools),
            "t.yaml:1:26: duplicate listen address '127.0.0.1:80' (first at 1:10)\n");
  EXPECT_EQ(
      errors("pools:\n  a: {backends: [\"127.0.0.1:1\"]}\n  a: {backends: [\"127.0.0.1:2\"]}\n"),
      "t.yaml:3:3: duplicate pool 'a' (first at 2:3)\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends:\n"
                   "      - {name: a, address: \"127.0.0.1:1\"}\n"
                   "      - {name: a, address: \"127.0.0.1:2\"}\n"),
            "t.yaml:5:16: duplicate backend name 'a' in pool 'mcp' (first at 4:16)\n");
  // A defaulted name is the address, so a repeated bare address is a duplicate name.
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends: [\"127.0.0.1:1\", \"localhost:1\"]\n"),
            "t.yaml:3:31: duplicate backend name '127.0.0.1:1' in pool 'mcp' (first at 3:16)\n");
}

TEST(Errors, MissingRequiredKeys) {
  EXPECT_EQ(errors(""), "t.yaml:1:1: missing required key 'pools' in 'root'\n");
  EXPECT_EQ(errors("# nothing\n"), "t.yaml:1:1: missing required key 'pools' in 'root'\n");
  EXPECT_EQ(errors("\nworkers: 2\n"), "t.yaml:2:1: missing required key 'pools' in 'root'\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    policy: round_robin\n"),
            "t.yaml:3:5: missing required key 'backends' in 'pools.mcp'\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n"),
            "t.yaml:2:3: missing required key 'backends' in 'pools.mcp'\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends:\n      - name: a\n        weight: 2\n"),
            "t.yaml:4:9: missing required key 'address' in 'pools.mcp.backends[0]'\n");
  EXPECT_EQ(errors(std::string("listen:\n  - max_connections: 5\n") + kPools),
            "t.yaml:2:5: missing required key 'address' in 'listen[0]'\n");
  EXPECT_EQ(errors(std::string("routes:\n  - match: {path_prefix: /}\n") + kPools),
            "t.yaml:2:5: missing required key 'pool' in 'routes[0]'\n");
}

TEST(Errors, EmptyCollections) {
  EXPECT_EQ(errors(std::string("listen: []\n") + kPools),
            "t.yaml:1:1: 'listen' must not be empty\n");
  EXPECT_EQ(errors(std::string("listen:\n") + kPools), "t.yaml:1:1: 'listen' must not be empty\n");
  EXPECT_EQ(errors("pools: {}\n"), "t.yaml:1:1: 'pools' must define at least one pool\n");
  EXPECT_EQ(errors("pools:\n  mcp:\n    backends: []\n"),
            "t.yaml:3:5: 'pools.mcp.backends' must not be empty\n");
}

TEST(Errors, Names) {
  EXPECT_EQ(errors("pools:\n  \"a b\": {backends: [\"127.0.0.1:1\"]}\n"),
            "t.yaml:2:3: invalid pool name 'a b' (use letters, digits and '_', '-', '.')\n");
  EXPECT_EQ(
      errors("pools:\n  mcp:\n    backends:\n      - {name: \"x/y\", address: \"127.0.0.1:1\"}\n"),
      "t.yaml:4:16: invalid backend name 'x/y' (use letters, digits and '_', '-', '.', "
      "':', '[', ']')\n");
}

TEST(Errors, Routes) {
  EXPECT_EQ(errors(std::string("routes:\n  - pool: mpc\n") + kPools),
            "t.yaml:2:11: unknown pool 'mpc' (did you mean 'mcp'?)\n");
  EXPECT_EQ(errors(std::string("routes:\n  - pool: other\n") + kPools),
            "t.yaml:2:11: unknown pool 'other' (defined pools: mcp)\n");
  EXPECT_EQ(errors(std::string("routes:\n  - {match: {path_prefix: mcp}, pool: mcp}\n") + kPools),
            "t.yaml:2:27: 'routes[0].match.path_prefix' must start with '/', got 'mcp'\n");
  EXPECT_EQ(errors(std::string("routes:\n  - {match: {host: \"a.com:80\"}, pool: mcp}\n") + kPools),
            "t.yaml:2:20: 'routes[0].match.host' must be a host name without port, got "
            "'a.com:80'\n");
  // Routes may come before the pools they name.
  EXPECT_EQ(
      errors("pools:\n  a: {backends: [\"127.0.0.1:1\"]}\n  b: {backends: [\"127.0.0.1:2\"]}\n"),
      "t.yaml:1:1: routes required when more than one pool is defined\n");
  EXPECT_EQ(errors("routes: []\npools:\n  a: {backends: [\"127.0.0.1:1\"]}\n"
                   "  b: {backends: [\"127.0.0.1:2\"]}\n"),
            "t.yaml:1:1: routes required when more than one pool is defined\n");
  // Only the broken route is reported, not "routes required" on top.
  EXPECT_EQ(errors("routes: [{pool: c}]\npools:\n  a: {backends: [\"127.0.0.1:1\"]}\n"
                   "  b: {backends: [\"127.0.0.1:2\"]}\n"),
            "t.yaml:1:17: unknown pool 'c' (defined pools: a, b)\n");
}

TEST(Errors, YamlSyntax) {
  EXPECT_EQ(errors("pools: [1, 2\nworkers: 3\n"),
            "t.yaml:2:8: YAML syntax error: end of sequence flow not found\n");
  EXPECT_EQ(errors("workers: a: b\n"), "t.yaml:1:11: YAML syntax error: illegal map value\n");
  EXPECT_EQ(errors("pools:\n  a: 1\n b: 2\n"),
            "t.yaml:3:2: YAML syntax error: end of map not found\n");
  EXPECT_EQ(errors(std::string("workers: *nope\n") + kPools),
            "t.yaml:1:10: YAML syntax error: the referenced anchor is not defined\n");
  EXPECT_EQ(errors(std::string(kPools) + "---\nworkers: 2\n"),
            "t.yaml:2:1: only one YAML document is allowed per file\n");
  // yaml-cpp 0.7 neither consumes nor rejects a stray ',' at block level (LoadAll loops).
  EXPECT_EQ(errors(",rar"), "t.yaml:1:1: YAML syntax error: unexpected ','\n");
  EXPECT_EQ(errors("\n  ,"), "t.yaml:2:3: YAML syntax error: unexpected ','\n");
}

TEST(Errors, AllReportedInOnePassSortedByPosition) {
  EXPECT_EQ(errors("routes:\n"
                   "  - pool: nope\n"
                   "listne: []\n"
                   "workers: many\n"
                   "client:\n"
                   "  header_timeout: 30x\n"
                   "  max_body_bytes: lots\n"
                   "pools:\n"
                   "  mcp:\n"
                   "    policy: round_robbin\n"
                   "    backends:\n"
                   "      - {address: \"300.1.1.1:80\", weight: 0}\n"),
            "t.yaml:2:11: unknown pool 'nope' (defined pools: mcp)\n"
            "t.yaml:3:1: unknown key 'listne' in 'root' (did you mean 'listen'?)\n"
            "t.yaml:4:10: 'workers' must be 'auto' or an integer between 1 and 256, got 'many'\n"
            "t.yaml:6:19: '30x' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n"
            "t.yaml:7:19: 'lots' is not a valid size (use e.g. 512, 16k, 64m, 1g)\n"
            "t.yaml:10:13: unknown policy 'round_robbin' (did you mean 'round_robin'?)\n"
            "t.yaml:12:19: '300.1.1.1:80' is not a valid address (expected IP:PORT or "
            "[IPv6]:PORT)\n"
            "t.yaml:12:43: 'pools.mcp.backends[0].weight' must be between 1 and 1000, got 0\n");
}

TEST(Errors, ErrorCountIsBounded) {
  std::string text;
  for (int i = 0; i < 150; ++i) {
    text += "k" + std::to_string(i) + ": 1\n";
  }
  auto r = load_string(text + kPools, "t.yaml");
  ASSERT_EQ(r.errors.size(), 101u);
  EXPECT_EQ(r.errors.back().str(), "t.yaml:0:0: 50 more errors not shown");
}

TEST(Errors, NoExceptionsOnOddInput) {
  for (std::string text : {std::string("\0\0\0", 3), std::string("\xff\xfe\x00", 3),
                           std::string("pools: !!binary AAAA\n"), std::string("? a\n: b\n"),
                           std::string("a: &x [*x]\n"), std::string("%YAML 9.9\n---\na: 1\n"),
                           std::string("pools: {mcp: {backends: &b [\"127.0.0.1:1\"]}, x: "
                                       "{backends: *b}}\nroutes: [{pool: mcp}, {pool: x}]\n")}) {
    auto r = load_string(text, "t.yaml");
    (void)r;
  }
}

}  // namespace
}  // namespace mcplb::config
