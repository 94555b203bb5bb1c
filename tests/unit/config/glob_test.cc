// glob_match: '*' is the only wildcard; linear whatever the pattern.

#include "config/glob.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>

namespace mcplb::config {
namespace {

struct Case {
  const char* pattern;
  const char* text;
  bool match;
};

TEST(GlobMatch, Table) {
  for (auto c : std::array<Case, 45>{{
           // no wildcard: exact, case-sensitive
           {"", "", true},
           {"", "a", false},
           {"tools/call", "tools/call", true},
           {"tools/call", "tools/cal", false},
           {"tools/call", "tools/calls", false},
           {"tools/call", "Tools/call", false},
           // one star
           {"*", "", true},
           {"*", "anything at all", true},
           {"tools/*", "tools/call", true},
           {"tools/*", "tools/", true},
           {"tools/*", "tools", false},
           {"tools/*", "resources/list", false},
           {"*/list", "tools/list", true},
           {"*/list", "tools/lists", false},
           {"render_*", "render_chart", true},
           {"render_*", "render_", true},
           {"render_*", "prerender_chart", false},
           {"a*b", "ab", true},
           {"a*b", "axxb", true},
           {"a*b", "axxbc", false},
           {"a*b", "a", false},
           {"ab*ba", "aba", false},  // prefix and suffix may not overlap
           {"ab*ba", "abba", true},
           // several stars
           {"**", "", true},
           {"a**b", "ab", true},
           {"*a*", "bab", true},
           {"*a*", "bbb", false},
           {"*a*b*", "xaxbx", true},
           {"*a*b*", "xbxax", false},
           {"*a*b*c*", "abc", true},
           {"*a*b*c*", "acb", false},
           {"a*b*c", "abcbc", true},
           {"a*b*c", "acbc", true},
           {"a*b*c", "acb", false},
           {"*aab*", "aaab", true},   // leftmost occurrence search, not first-character restart
           {"*abab*", "aabab", true},
           {"*aa*aa*", "aaa", false},  // occurrences must not overlap
           {"*aa*aa*", "aaaa", true},
           {"notifications/*", "notifications/initialized", true},
           {"*_tool", "my_tool", true},
           {"*_tool", "_tool", true},
           {"*_tool", "tool", false},
           // other glob metacharacters are literal here
           {"a?c", "abc", false},
           {"a?c", "a?c", true},
           {"[ab]", "[ab]", true},
       }}) {
    EXPECT_EQ(glob_match(c.pattern, c.text), c.match)
        << "'" << c.pattern << "' vs '" << c.text << "'";
  }
}

TEST(GlobMatch, BytesAreOpaque) {
  std::string text("a\0b", 3);
  EXPECT_TRUE(glob_match(std::string_view("a\0b", 3), text));
  EXPECT_TRUE(glob_match("a*b", text));
  EXPECT_TRUE(glob_match(std::string_view("*\0*", 3), text));
  EXPECT_FALSE(glob_match("a*c", text));
  EXPECT_TRUE(glob_match("*\xc3\xa9*", "caf\xc3\xa9!"));
}

// Patterns that make backtracking matchers exponential or quadratic stay linear here.
TEST(GlobMatch, PathologicalPatternsStayFast) {
  const std::string as(1 << 20, 'a');  // 1 MiB of 'a'
  std::string as_b = as + "b";
  std::string many_stars;
  for (int i = 0; i < 100; ++i) {
    many_stars += "*a";
  }
  std::string long_lit = "*" + std::string(300, 'a') + "b*";  // > 256: glibc's two-way search
  std::string mid_lit = "*" + std::string(200, 'a') + "b*";
  struct Slow {
    std::string pattern;
    const std::string* text;
    bool match;
  };
  const std::array<Slow, 10> cases{{
      {"*a*a*a*a*b", &as, false},
      {"*a*a*a*a*b", &as_b, true},
      {"*a*a*a*a*b*", &as, false},
      {"*a*a*a*a*b*", &as_b, true},
      {many_stars + "b", &as, false},
      {many_stars + "*b*", &as, false},
      {many_stars + "b", &as_b, true},
      {long_lit, &as, false},
      {mid_lit, &as, false},
      {mid_lit, &as_b, true},
  }};
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 5; ++round) {
    for (const auto& c : cases) {
      EXPECT_EQ(glob_match(c.pattern, *c.text), c.match) << c.pattern.substr(0, 40);
    }
  }
  auto took = std::chrono::steady_clock::now() - start;
  // 50 scans of 1 MiB: milliseconds when linear; a backtracking matcher needs hours. The
  // bound is loose for sanitizer and shared-machine builds.
  EXPECT_LT(took, std::chrono::seconds(5));
}

}  // namespace
}  // namespace mcplb::config
