// Value syntaxes: durations, sizes, addresses, did-you-mean.

#include <gtest/gtest.h>

#include <array>

#include "config/load.h"
#include "config/suggest.h"

namespace mcplb::config {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, Accepts) {
  struct Case {
    const char* text;
    int64_t ms;
  };
  for (auto c : std::array<Case, 12>{{{"250ms", 250},
                                      {"30s", 30'000},
                                      {"5m", 300'000},
                                      {"1h", 3'600'000},
                                      {"1h30m", 5'400'000},
                                      {"0s", 0},
                                      {"0ms", 0},
                                      {"1m30s", 90'000},
                                      {"1s500ms", 1'500},
                                      {"2h3m4s5ms", 7'384'005},
                                      {"90s", 90'000},
                                      {"000010s", 10'000}}}) {
    auto d = parse_duration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text;
    EXPECT_EQ(d->count(), c.ms) << c.text;
  }
}

TEST(ParseDuration, Rejects) {
  for (const char* text : {"",
                           "30",
                           "0",
                           "30x",
                           "s",
                           "1.5s",
                           "-1s",
                           "+1s",
                           " 1s",
                           "1s ",
                           "1S",
                           "1d",
                           "30s5m",
                           "1s1s",
                           "1ms1s",
                           "1h 30m",
                           "ms",
                           "1hm",
                           "9999999999999999999h",
                           "100000000000h"}) {
    EXPECT_FALSE(parse_duration(text).has_value()) << text;
  }
}

TEST(FormatDuration, ShortestForm) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(75'000)), "1m15s");
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(format_duration(milliseconds(3'600'001)), "1h1ms");
  for (const char* text : {"1h2m3s4ms", "59m59s999ms", "24h", "1ms"}) {
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
  }
}

TEST(ParseSize, Accepts) {
  struct Case {
    const char* text;
    uint64_t bytes;
  };
  for (auto c : std::array<Case, 13>{{{"0", 0},
                                      {"512", 512},
                                      {"16k", 16384},
                                      {"16K", 16384},
                                      {"16KiB", 16384},
                                      {"16kib", 16384},
                                      {"64m", 64ull << 20},
                                      {"64M", 64ull << 20},
                                      {"64MiB", 64ull << 20},
                                      {"1g", 1ull << 30},
                                      {"1GiB", 1ull << 30},
                                      {"0k", 0},
                                      {"17179869183g", 17179869183ull << 30}}}) {
    auto v = parse_size(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(*v, c.bytes) << c.text;
  }
}

TEST(ParseSize, Rejects) {
  for (const char* text : {"", "k", "16 k", "16kb", "16KB", "1.5m", "-1", "+1", "16t", "16b",
                           "0x10", "17179869184g", "9999999999999999999"}) {
    EXPECT_FALSE(parse_size(text).has_value()) << text;
  }
}

TEST(ParseAddress, Accepts) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
    const char* str;
  };
  for (auto c : std::array<Case, 9>{{
           {"127.0.0.1:8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
           {"[::1]:9000", "::1", 9000, "[::1]:9000"},
           {"localhost:80", "127.0.0.1", 80, "127.0.0.1:80"},
           {"LocalHost:80", "127.0.0.1", 80, "127.0.0.1:80"},
           {"0.0.0.0:0", "0.0.0.0", 0, "0.0.0.0:0"},
           {"255.255.255.255:65535", "255.255.255.255", 65535, "255.255.255.255:65535"},
           {"[0:0:0:0:0:0:0:1]:1", "::1", 1, "[::1]:1"},
           {"[::]:443", "::", 443, "[::]:443"},
           {"[::ffff:10.0.0.1]:80", "::ffff:10.0.0.1", 80, "[::ffff:10.0.0.1]:80"},
       }}) {
    auto a = parse_address(c.text);
    ASSERT_TRUE(a.has_value()) << c.text;
    EXPECT_EQ(a->host, c.host) << c.text;
    EXPECT_EQ(a->port, c.port) << c.text;
    EXPECT_EQ(a->str(), c.str) << c.text;
  }
}

TEST(ParseAddress, Rejects) {
  for (const char* text : {"",
                           "127.0.0.1",
                           "127.0.0.1:",
                           ":80",
                           "300.1.1.1:80",
                           "1.2.3:80",
                           "1.2.3.4.5:80",
                           "01.2.3.4:80",
                           "127.0.0.1:65536",
                           "127.0.0.1:-1",
                           "127.0.0.1:+80",
                           "127.0.0.1:080000",
                           "127.0.0.1: 80",
                           " 127.0.0.1:80",
                           "::1:80",
                           "[::1]",
                           "[::1]80",
                           "[::1]:",
                           "[1.2.3.4]:80",
                           "[fe80::1%eth0]:80",
                           "example.com:80",
                           "localhost",
                           "[localhost]:80",
                           "127.0.0.1:80:80"}) {
    EXPECT_FALSE(parse_address(text).has_value()) << text;
  }
}

TEST(Suggest, EditDistance) {
  EXPECT_EQ(edit_distance("listen", "listen"), 0u);
  EXPECT_EQ(edit_distance("listne", "listen"), 1u);  // transposition
  EXPECT_EQ(edit_distance("lsten", "listen"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Suggest, DidYouMean) {
  constexpr std::array<std::string_view, 4> keys{"listen", "workers", "client", "pools"};
  EXPECT_EQ(did_you_mean("listne", keys), " (did you mean 'listen'?)");
  EXPECT_EQ(did_you_mean("worker", keys), " (did you mean 'workers'?)");
  EXPECT_EQ(did_you_mean("pool", keys), " (did you mean 'pools'?)");
  EXPECT_EQ(did_you_mean("banana", keys), "");
  EXPECT_EQ(did_you_mean("", keys), "");
  constexpr std::array<std::string_view, 1> longer{"max_header_bytes"};
  EXPECT_EQ(did_you_mean("max_header", longer), " (did you mean 'max_header_bytes'?)");
}

}  // namespace
}  // namespace mcplb::config
