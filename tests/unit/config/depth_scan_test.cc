// The pre-parse nesting bound: never under the true depth on well-formed YAML, never fires on
// ordinary configs, and stops yaml-cpp from recursing deeply.

#include "config/depth_scan.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

#include "config/load.h"

namespace mcplb::config {
namespace {

std::string flow_seq(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string block_maps(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) {
    s += std::string(i, ' ') + "a:\n";
  }
  return s;
}

std::string compact_seqs(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) {
    s += "- ";
  }
  return s + "x\n";
}

// Largest limit at which the scan reports a problem, i.e. the bound it computed.
int bound(std::string_view text) {
  for (int limit = 0; limit < 1000; ++limit) {
    if (!find_excess_nesting(text, limit)) {
      return limit;
    }
  }
  return 1000;
}

TEST(DepthScan, BoundIsNeverBelowTrueDepth) {
  for (int d : {1, 2, 5, 20}) {
    EXPECT_GE(bound(flow_seq(d)), d);
    EXPECT_GE(bound(block_maps(d)), d);
    EXPECT_GE(bound(compact_seqs(d)), d);
  }
  EXPECT_GE(bound("a:\n- b:\n  - c:\n    - d\n"), 6);  // seq at its map's indentation
  EXPECT_GE(bound("a: {b: [c, {d: [e]}]}\n"), 5);
  EXPECT_GE(bound("- - - [[x]]\n"), 5);
  EXPECT_GE(bound("a: [\n  [\n    [1]\n  ]\n]\n"), 4);  // flow across lines
}

TEST(DepthScan, IgnoresQuotedTextCommentsAndBlockScalars) {
  EXPECT_LE(bound("a: \"[[[[[[[[[[\"\n"), 2);
  EXPECT_LE(bound("a: '[[[[''[[[[[['\n"), 2);
  EXPECT_LE(bound("a: 1 # [[[[[[[[[[[[\n"), 2);
  EXPECT_LE(bound("a: x[[[[[[[[[[\n"), 2);  // '[' inside a plain scalar is text
  EXPECT_LE(bound("a: |\n  - - - - - - - - -\n  [[[[[[[[[\nb: 1\n"), 2);
  // A quoted ']' must not cancel a real '[' (that would under-count).
  EXPECT_GE(bound("[[[ \"]]]\", [[[ \"]]]\", [[[x]]]]]]]]]\n"), 9);
}

TEST(DepthScan, OrdinaryConfigPassesWithRoom) {
  const char* cfg =
      "listen:\n"
      "  - address: \"127.0.0.1:8080\"\n"
      "pools:\n"
      "  mcp:\n"
      "    backends:\n"
      "      - {name: a, address: \"127.0.0.1:3001\"}\n"
      "      - name: b\n"
      "        address: \"127.0.0.1:3002\"\n"
      "    timeouts: {connect: 5s}\n"
      "routes: [{match: {path_prefix: /mcp}, pool: mcp}]\n";
  EXPECT_LE(bound(cfg), 12);
}

TEST(DepthScan, ReportsPositionOfFirstExcess) {
  auto p = find_excess_nesting("a: 1\nb: [[[[x]]]]\n", 4);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->line, 2);
  EXPECT_EQ(p->col, 6);  // third '[': 2 (one block level) + 3 flow > 4
}

TEST(DepthScan, LoadRejectsDeepNestingWithPosition) {
  auto r = load_string("pools: " + flow_seq(100) + "\n", "deep.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(), "deep.yaml:1:70: YAML nesting is too deep");
  r = load_string(block_maps(40), "deep.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(), "deep.yaml:33:33: YAML nesting is too deep");
}

// The point of the scan: loading hostile input is safe on a small thread stack, where
// yaml-cpp alone (recursing until its own limit of ~500 levels) overflows 128 KiB.
TEST(DepthScan, HostileInputLoadsOnSmallStack) {
  static const std::string inputs[] = {flow_seq(5000), block_maps(3000), compact_seqs(3000),
                                       std::string(3000, '{') + "a: 1"};
  struct Arg {
    int loaded = 0;
  } arg;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 128 * 1024);
  pthread_t t;
  auto body = [](void* p) -> void* {
    for (const auto& in : inputs) {
      auto r = load_string(in, "x.yaml");
      if (!r.ok()) {
        ++static_cast<Arg*>(p)->loaded;
      }
    }
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, body, &arg), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(arg.loaded, 4);
}

}  // namespace
}  // namespace mcplb::config
