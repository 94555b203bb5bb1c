// pools.<name>.health and drain_timeout: defaults, every valid form into the model, every
// error with its exact text and position, the warnings, and the dump round trip.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/dump.h"
#include "config/load.h"

namespace mcplb::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// "pools:\n  api:\n" + `lines` (which therefore start on line 3) + one backend.
std::string pool(const std::string& lines) {
  return "pools:\n  api:\n" + lines + "    backends: [\"127.0.0.1:3001\"]\n";
}

// `health: {active: {<active>}}` on line 3; its options start at column 23.
std::string active(const std::string& options) {
  return pool("    health: {active: {" + options + "}}\n");
}

// `health: {passive: {<passive>}}` on line 3; its options start at column 24.
std::string passive(const std::string& options) {
  return pool("    health: {passive: {" + options + "}}\n");
}

std::string render(const std::vector<Diag>& v) {
  std::string s;
  for (const auto& d : v) {
    s += fmt::format("{}:{}:{}: {}\n", d.file, d.line, d.col, d.message);
  }
  return s;
}

std::string errors(const std::string& text) {
  auto r = load_string(text, "t.yaml");
  EXPECT_EQ(r.config.has_value(), r.errors.empty());
  return render(r.errors);
}

std::string warnings(const std::string& text) {
  auto r = load_string(text, "t.yaml");
  EXPECT_TRUE(r.ok()) << render(r.errors);
  return render(r.warnings);
}

// The only pool of a file that must load without errors or warnings.
Pool ok(const std::string& text) {
  auto r = load_string(text, "t.yaml");
  EXPECT_TRUE(r.ok()) << render(r.errors) << text;
  EXPECT_TRUE(r.warnings.empty()) << render(r.warnings);
  return r.config && !r.config->pools.empty() ? r.config->pools[0] : Pool{};
}

// ---- valid forms ----

TEST(HealthConfig, Defaults) {
  Pool p = ok(pool(""));
  const ActiveHealth& a = p.health.active;
  EXPECT_FALSE(a.enabled);
  EXPECT_EQ(a.type, "http");
  const PassiveHealth& s = p.health.passive;
  EXPECT_EQ(s.max_fails, 1u);
  EXPECT_EQ(s.fail_timeout, seconds(10));
  EXPECT_EQ(s.consecutive_errors, 5u);
  EXPECT_EQ(s.base_ejection_time, seconds(30));
  EXPECT_EQ(s.max_ejection_time, seconds(300));
  EXPECT_EQ(s.max_ejection_percent, 50u);
  EXPECT_TRUE(p.health.panic);
  EXPECT_EQ(p.drain_timeout, seconds(30));
  // An empty section is all defaults too.
  EXPECT_FALSE(ok(pool("    health:\n")).health.active.enabled);
  EXPECT_FALSE(ok(pool("    health: {}\n")).health.active.enabled);
}

TEST(HealthConfig, EmptyActiveTurnsChecksOnWithDefaults) {
  for (const char* lines : {"    health: {active: {}}\n", "    health:\n      active:\n"}) {
    ActiveHealth a = ok(pool(lines)).health.active;
    EXPECT_TRUE(a.enabled) << lines;
    EXPECT_EQ(a.type, "http");
    EXPECT_EQ(a.path, "/");  // the type's default, filled in after reading
    EXPECT_EQ(a.host, "");
    EXPECT_EQ(a.expect_min, 200u);
    EXPECT_EQ(a.expect_max, 399u);
    EXPECT_EQ(a.interval, seconds(10));
    EXPECT_EQ(a.timeout, seconds(5));
    EXPECT_EQ(a.healthy_threshold, 2u);
    EXPECT_EQ(a.unhealthy_threshold, 3u);
    EXPECT_DOUBLE_EQ(a.jitter, 0.1);
    EXPECT_EQ(a.fast_recheck, seconds(1));
    EXPECT_EQ(a.protocol_version, "2025-11-25");
  }
  ActiveHealth a = ok(pool("    health: {active: {}}\n")).health.active;
  EXPECT_EQ(a.mark.line, 3);  // the `active` key
  EXPECT_EQ(a.mark.col, 14);
}

TEST(HealthConfig, ActiveHttp) {
  ActiveHealth a = ok(pool("    health:\n"
                           "      active:\n"
                           "        type: http\n"
                           "        path: /healthz?full=1\n"
                           "        host: api.internal:8080\n"
                           "        expect: 204\n"
                           "        interval: 2s\n"
                           "        timeout: 500ms\n"
                           "        healthy_threshold: 1\n"
                           "        unhealthy_threshold: 100\n"
                           "        jitter: 0\n"
                           "        fast_recheck: 0s\n"))
                       .health.active;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.type, "http");
  EXPECT_EQ(a.path, "/healthz?full=1");
  EXPECT_EQ(a.host, "api.internal:8080");
  EXPECT_EQ(a.expect_min, 204u);
  EXPECT_EQ(a.expect_max, 204u);
  EXPECT_EQ(a.interval, seconds(2));
  EXPECT_EQ(a.timeout, milliseconds(500));
  EXPECT_EQ(a.healthy_threshold, 1u);
  EXPECT_EQ(a.unhealthy_threshold, 100u);
  EXPECT_DOUBLE_EQ(a.jitter, 0.0);
  EXPECT_EQ(a.fast_recheck, milliseconds(0));
  EXPECT_EQ(a.mark.line, 4);
  EXPECT_EQ(a.mark.col, 7);
  a = ok(active("expect: 100-599, jitter: 0.5, fast_recheck: 10ms")).health.active;
  EXPECT_EQ(a.expect_min, 100u);
  EXPECT_EQ(a.expect_max, 599u);
  EXPECT_DOUBLE_EQ(a.jitter, 0.5);
  EXPECT_EQ(a.fast_recheck, milliseconds(10));
  a = ok(active("interval: 100ms, timeout: 10ms, fast_recheck: 99ms")).health.active;
  EXPECT_EQ(a.interval, milliseconds(100));
  EXPECT_EQ(a.timeout, milliseconds(10));
  EXPECT_EQ(a.fast_recheck, milliseconds(99));
  auto r = load_string(active("interval: 1h, timeout: 59m"), "t.yaml");  // warns: slow
  ASSERT_TRUE(r.ok()) << render(r.errors);
  a = r.config->pools[0].health.active;
  EXPECT_EQ(a.interval, hours(1));
  EXPECT_EQ(a.timeout, minutes(59));
  EXPECT_DOUBLE_EQ(ok(active("jitter: 0.25")).health.active.jitter, 0.25);
}

TEST(HealthConfig, ActiveMcp) {
  ActiveHealth a = ok(active("type: mcp")).health.active;
  EXPECT_EQ(a.type, "mcp");
  EXPECT_EQ(a.path, "/mcp");  // mcp's default path
  EXPECT_EQ(a.protocol_version, "2025-11-25");
  a = ok(active("path: /v1/mcp, protocol_version: 2025-06-18, type: mcp")).health.active;
  EXPECT_EQ(a.path, "/v1/mcp");
  EXPECT_EQ(a.protocol_version, "2025-06-18");  // type may come after its options
  a = ok(active("type: mcp, protocol_version: \"2024-11-05\", host: localhost")).health.active;
  EXPECT_EQ(a.protocol_version, "2024-11-05");
  EXPECT_EQ(a.host, "localhost");
}

TEST(HealthConfig, FastRecheckDefaultOffWhenIntervalIsAsShort) {
  // The default 1s is not less than these intervals; the checker would not use it, and the
  // model says so instead of refusing a key that was never written.
  EXPECT_EQ(ok(active("interval: 1s, timeout: 500ms")).health.active.fast_recheck, milliseconds(0));
  EXPECT_EQ(ok(active("interval: 200ms, timeout: 100ms")).health.active.fast_recheck,
            milliseconds(0));
  EXPECT_EQ(ok(active("interval: 1001ms, timeout: 500ms")).health.active.fast_recheck, seconds(1));
}

TEST(HealthConfig, Passive) {
  PassiveHealth s = ok(pool("    health:\n"
                            "      passive:\n"
                            "        max_fails: 3\n"
                            "        fail_timeout: 1s\n"
                            "        consecutive_errors: 1000\n"
                            "        base_ejection_time: 1h\n"
                            "        max_ejection_time: 24h\n"
                            "        max_ejection_percent: 100\n"))
                        .health.passive;
  EXPECT_EQ(s.max_fails, 3u);
  EXPECT_EQ(s.fail_timeout, seconds(1));
  EXPECT_EQ(s.consecutive_errors, 1000u);
  EXPECT_EQ(s.base_ejection_time, hours(1));
  EXPECT_EQ(s.max_ejection_time, hours(24));
  EXPECT_EQ(s.max_ejection_percent, 100u);
  s = ok(passive("max_fails: 0, max_ejection_percent: 0, fail_timeout: 1h")).health.passive;
  EXPECT_EQ(s.max_fails, 0u);
  EXPECT_EQ(s.max_ejection_percent, 0u);
  EXPECT_EQ(s.fail_timeout, hours(1));
  s = ok(passive("base_ejection_time: 1s, max_ejection_time: 1s")).health.passive;
  EXPECT_EQ(s.max_ejection_time, seconds(1));
}

TEST(HealthConfig, MaxEjectionTimeDefaultFollowsBase) {
  // As Envoy: without max_ejection_time, the cap is 300s or base_ejection_time if longer.
  EXPECT_EQ(ok(passive("base_ejection_time: 10m")).health.passive.max_ejection_time, minutes(10));
  EXPECT_EQ(ok(passive("base_ejection_time: 10s")).health.passive.max_ejection_time, seconds(300));
}

TEST(HealthConfig, PanicAndDrainTimeout) {
  Pool p = ok(pool("    health: {panic: false}\n    drain_timeout: 0s\n"));
  EXPECT_FALSE(p.health.panic);
  EXPECT_EQ(p.drain_timeout, milliseconds(0));
  EXPECT_EQ(ok(pool("    drain_timeout: 24h\n")).drain_timeout, hours(24));
}

// ---- errors ----

TEST(HealthConfig, ShapeAndUnknownKeys) {
  EXPECT_EQ(errors(pool("    health: true\n")),
            "t.yaml:3:13: expected a map for 'pools.api.health', got 'true'\n");
  EXPECT_EQ(errors(pool("    health: {active: false}\n")),
            "t.yaml:3:22: expected a map for 'pools.api.health.active', got 'false'\n");
  EXPECT_EQ(errors(pool("    health: {pasive: {}}\n")),
            "t.yaml:3:14: unknown key 'pasive' in 'pools.api.health' (did you mean "
            "'passive'?)\n");
  EXPECT_EQ(errors(active("intervall: 5s")),
            "t.yaml:3:23: unknown key 'intervall' in 'pools.api.health.active' (did you mean "
            "'interval'?)\n");
  EXPECT_EQ(errors(passive("max_fail: 2")),
            "t.yaml:3:24: unknown key 'max_fail' in 'pools.api.health.passive' (did you mean "
            "'max_fails'?)\n");
  EXPECT_EQ(errors(pool("    healht: {}\n")),
            "t.yaml:3:5: unknown key 'healht' in 'pools.api' (did you mean 'health'?)\n");
  EXPECT_EQ(errors(pool("    drain_timeut: 1s\n")),
            "t.yaml:3:5: unknown key 'drain_timeut' in 'pools.api' (did you mean "
            "'drain_timeout'?)\n");
  EXPECT_EQ(errors(active("interval: 20s, interval: 30s")),
            "t.yaml:3:38: duplicate key 'interval' in 'pools.api.health.active' (first at "
            "3:23)\n");
}

TEST(HealthConfig, Type) {
  EXPECT_EQ(errors(active("type: grpc")),
            "t.yaml:3:29: unknown health check type 'grpc' (expected one of: http, mcp)\n");
  EXPECT_EQ(errors(active("type: htp")),
            "t.yaml:3:29: unknown health check type 'htp' (did you mean 'http'?)\n");
  // With an unknown type, options cannot be judged against it: only the type is reported.
  EXPECT_EQ(errors(active("type: tcp, expect: 200, protocol_version: 2025-11-25")),
            "t.yaml:3:29: unknown health check type 'tcp' (did you mean 'mcp'?)\n");
}

TEST(HealthConfig, OptionsOfTheOtherType) {
  EXPECT_EQ(errors(active("type: mcp, expect: 200")),
            "t.yaml:3:34: 'expect' applies only to type http\n");
  EXPECT_EQ(errors(active("protocol_version: 2025-11-25")),
            "t.yaml:3:23: 'protocol_version' applies only to type mcp\n");
  EXPECT_EQ(errors(active("protocol_version: 2025-11-25, type: http")),
            "t.yaml:3:23: 'protocol_version' applies only to type mcp\n");
}

TEST(HealthConfig, PathAndHost) {
  EXPECT_EQ(errors(active("path: health")),
            "t.yaml:3:29: 'pools.api.health.active.path' must start with '/', got 'health'\n");
  for (const char* bad :
       {"\"/a b\"", "\"/a\\\"b\"", "\"/a\\\\b\"", "\"/a#b\"", "\"/\\u00e9\"", "\"/a\\tb\""}) {
    std::string got = errors(active(fmt::format("path: {}", bad)));
    EXPECT_TRUE(
        got.starts_with("t.yaml:3:29: 'pools.api.health.active.path' must not contain "
                        "'#', quotes, backslashes, spaces, control or non-ASCII "
                        "characters, got '"))
        << got;
  }
  EXPECT_EQ(errors(active("path: \"/a\\tb\"")),
            "t.yaml:3:29: 'pools.api.health.active.path' must not contain '#', quotes, "
            "backslashes, spaces, control or non-ASCII characters, got '/a\\x09b'\n");
  EXPECT_EQ(errors(active("path: [/]")),
            "t.yaml:3:29: expected a string for 'pools.api.health.active.path', got a list\n");
  EXPECT_EQ(errors(active("host: \"\"")),
            "t.yaml:3:29: 'pools.api.health.active.host' must not be empty (leave it out to "
            "send the backend address)\n");
  EXPECT_EQ(errors(active("host: \"a b\"")),
            "t.yaml:3:29: 'pools.api.health.active.host' must not contain quotes, "
            "backslashes, spaces, control or non-ASCII characters, got 'a b'\n");
  EXPECT_EQ(errors(active("host: \"a\\r\\nX-Evil: 1\"")),
            "t.yaml:3:29: 'pools.api.health.active.host' must not contain quotes, "
            "backslashes, spaces, control or non-ASCII characters, got 'a\\x0d\\x0aX-Evil: 1'\n");
}

TEST(HealthConfig, Expect) {
  for (const char* bad : {"2xx", "200-", "-399", "200-300-400", "1000", "20", "\"\"", "[200]"}) {
    std::string shown = std::string(bad) == "\"\""    ? "''"
                        : std::string(bad) == "[200]" ? "a list"
                                                      : fmt::format("'{}'", bad);
    EXPECT_EQ(errors(active(fmt::format("expect: {}", bad))),
              fmt::format("t.yaml:3:31: expected a status or a status range (e.g. 204, "
                          "200-399) for 'pools.api.health.active.expect', got {}\n",
                          shown));
  }
  for (const char* bad : {"099", "600", "200-600", "000-200"}) {
    EXPECT_EQ(errors(active(fmt::format("expect: {}", bad))),
              fmt::format("t.yaml:3:31: 'pools.api.health.active.expect' must lie within "
                          "100-599, got '{}'\n",
                          bad));
  }
  EXPECT_EQ(errors(active("expect: 399-200")),
            "t.yaml:3:31: 'pools.api.health.active.expect' must be written low-high, got "
            "'399-200'\n");
}

TEST(HealthConfig, DurationsAndThresholds) {
  EXPECT_EQ(errors(active("interval: 50ms")),
            "t.yaml:3:33: 'pools.api.health.active.interval' must be at least 100ms, got 50ms\n");
  EXPECT_EQ(errors(active("interval: 2h")),
            "t.yaml:3:33: 'pools.api.health.active.interval' must be at most 1h, got 2h\n");
  EXPECT_EQ(errors(active("timeout: 5ms")),
            "t.yaml:3:32: 'pools.api.health.active.timeout' must be at least 10ms, got 5ms\n");
  EXPECT_EQ(errors(active("timeout: 5")),
            "t.yaml:3:32: '5' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n");
  EXPECT_EQ(errors(active("healthy_threshold: 0")),
            "t.yaml:3:42: 'pools.api.health.active.healthy_threshold' must be between 1 and "
            "100, got 0\n");
  EXPECT_EQ(errors(active("unhealthy_threshold: 101")),
            "t.yaml:3:44: 'pools.api.health.active.unhealthy_threshold' must be between 1 and "
            "100, got 101\n");
  EXPECT_EQ(errors(active("fast_recheck: 5ms")),
            "t.yaml:3:37: 'pools.api.health.active.fast_recheck' must be 0 (off) or at least "
            "10ms, got 5ms\n");
}

TEST(HealthConfig, Jitter) {
  for (const char* bad : {"0.51", "1", "100"}) {
    EXPECT_EQ(errors(active(fmt::format("jitter: {}", bad))),
              fmt::format("t.yaml:3:31: 'pools.api.health.active.jitter' must be between 0 and "
                          "0.5, got '{}'\n",
                          bad));
  }
  for (const char* bad : {"-0.1", "1e-1", ".1", "0.", "10%", "nan"}) {
    EXPECT_EQ(errors(active(fmt::format("jitter: {}", bad))),
              fmt::format("t.yaml:3:31: expected a number for 'pools.api.health.active.jitter', "
                          "got '{}'\n",
                          bad));
  }
}

TEST(HealthConfig, JitterBeyondDoublePrecision) {
  // Too small for a double: stays above 0 (the smallest double), not silently 0.
  double j = ok(active("jitter: 0." + std::string(400, '0') + "1")).health.active.jitter;
  EXPECT_GT(j, 0.0);
  EXPECT_LT(j, 1e-300);
  // Too large: out of range, the value cut in the message.
  EXPECT_EQ(errors(active("jitter: 1" + std::string(400, '0'))),
            "t.yaml:3:31: 'pools.api.health.active.jitter' must be between 0 and 0.5, got '1" +
                std::string(63, '0') + "...'\n");
}

TEST(HealthConfig, ProtocolVersion) {
  for (const char* bad : {"2025-13-01", "2025-11-32", "2025-1-25", "25-11-25", "latest",
                          "2025-11-25x", "2025/11/25"}) {
    EXPECT_EQ(errors(active(fmt::format("type: mcp, protocol_version: {}", bad))),
              fmt::format("t.yaml:3:52: 'pools.api.health.active.protocol_version' must be an "
                          "MCP protocol revision YYYY-MM-DD (e.g. 2025-11-25), got '{}'\n",
                          bad));
  }
}

TEST(HealthConfig, TimeoutMustBeLessThanInterval) {
  EXPECT_EQ(errors(active("interval: 2s, timeout: 2s")),
            "t.yaml:3:46: 'pools.api.health.active.timeout' must be less than 'interval' (2s), "
            "got 2s\n");
  EXPECT_EQ(errors(active("timeout: 30s")),  // against the default interval
            "t.yaml:3:32: 'pools.api.health.active.timeout' must be less than 'interval' (10s), "
            "got 30s\n");
  // The default timeout against a short interval: reported at the interval, the value written.
  EXPECT_EQ(errors(active("interval: 5s")),
            "t.yaml:3:33: 'pools.api.health.active.timeout' must be less than 'interval' (5s), "
            "got 5s (the default)\n");
  // A bad interval is reported once; nothing is compared with it.
  EXPECT_EQ(errors(active("interval: 10ms, timeout: 20s, fast_recheck: 30s")),
            "t.yaml:3:33: 'pools.api.health.active.interval' must be at least 100ms, got 10ms\n");
}

TEST(HealthConfig, FastRecheckMustBeLessThanInterval) {
  EXPECT_EQ(errors(active("interval: 1s, timeout: 100ms, fast_recheck: 1s")),
            "t.yaml:3:67: 'pools.api.health.active.fast_recheck' must be 0 (off) or less than "
            "'interval' (1s), got 1s\n");
  EXPECT_EQ(errors(active("fast_recheck: 1h")),
            "t.yaml:3:37: 'pools.api.health.active.fast_recheck' must be 0 (off) or less than "
            "'interval' (10s), got 1h\n");
}

TEST(HealthConfig, PassiveErrors) {
  EXPECT_EQ(errors(passive("max_fails: 1001")),
            "t.yaml:3:35: 'pools.api.health.passive.max_fails' must be between 0 and 1000, got "
            "1001\n");
  EXPECT_EQ(errors(passive("consecutive_errors: -1")),
            "t.yaml:3:44: 'pools.api.health.passive.consecutive_errors' must be between 0 and "
            "1000, got -1\n");
  EXPECT_EQ(errors(passive("fail_timeout: 500ms")),
            "t.yaml:3:38: 'pools.api.health.passive.fail_timeout' must be at least 1s, got "
            "500ms\n");
  EXPECT_EQ(errors(passive("fail_timeout: 2h")),
            "t.yaml:3:38: 'pools.api.health.passive.fail_timeout' must be at most 1h, got 2h\n");
  EXPECT_EQ(errors(passive("base_ejection_time: 0s")),
            "t.yaml:3:44: 'pools.api.health.passive.base_ejection_time' must be at least 1s, "
            "got 0s\n");
  EXPECT_EQ(errors(passive("base_ejection_time: 61m")),
            "t.yaml:3:44: 'pools.api.health.passive.base_ejection_time' must be at most 1h, got "
            "1h1m\n");
  EXPECT_EQ(errors(passive("max_ejection_time: 25h")),
            "t.yaml:3:43: 'pools.api.health.passive.max_ejection_time' must be at most 24h, got "
            "25h\n");
  EXPECT_EQ(errors(passive("max_ejection_percent: 101")),
            "t.yaml:3:46: 'pools.api.health.passive.max_ejection_percent' must be between 0 "
            "and 100, got 101\n");
  EXPECT_EQ(errors(passive("base_ejection_time: 1m, max_ejection_time: 30s")),
            "t.yaml:3:67: 'pools.api.health.passive.max_ejection_time' must be at least "
            "'base_ejection_time' (1m), got 30s\n");
  EXPECT_EQ(errors(passive("max_ejection_time: 10s")),  // against the default base (30s)
            "t.yaml:3:43: 'pools.api.health.passive.max_ejection_time' must be at least "
            "'base_ejection_time' (30s), got 10s\n");
}

TEST(HealthConfig, PanicAndDrainTimeoutErrors) {
  EXPECT_EQ(errors(pool("    health: {panic: yes}\n")),
            "t.yaml:3:21: expected a boolean (true or false) for 'pools.api.health.panic', got "
            "'yes'\n");
  EXPECT_EQ(errors(pool("    drain_timeout: 25h\n")),
            "t.yaml:3:20: 'pools.api.drain_timeout' must be at most 24h, got 25h\n");
  EXPECT_EQ(errors(pool("    drain_timeout: forever\n")),
            "t.yaml:3:20: 'forever' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n");
}

TEST(HealthConfig, AllReportedInOnePass) {
  EXPECT_EQ(errors("pools:\n"
                   "  a:\n"
                   "    health:\n"
                   "      active:\n"
                   "        type: mcp\n"
                   "        expect: 200\n"
                   "        interval: 1s\n"
                   "        timeout: 2s\n"
                   "        jitter: 0.9\n"
                   "      passive: {max_fails: x, max_ejection_percent: 200}\n"
                   "      panic: maybe\n"
                   "    drain_timeout: 1d\n"
                   "    backends: [\"127.0.0.1:1\"]\n"),
            "t.yaml:6:9: 'expect' applies only to type http\n"
            "t.yaml:8:18: 'pools.a.health.active.timeout' must be less than 'interval' (1s), "
            "got 2s\n"
            "t.yaml:9:17: 'pools.a.health.active.jitter' must be between 0 and 0.5, got '0.9'\n"
            "t.yaml:10:28: expected an integer for 'pools.a.health.passive.max_fails', got 'x'\n"
            "t.yaml:10:53: 'pools.a.health.passive.max_ejection_percent' must be between 0 and "
            "100, got 200\n"
            "t.yaml:11:14: expected a boolean (true or false) for 'pools.a.health.panic', got "
            "'maybe'\n"
            "t.yaml:12:20: '1d' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n");
}

// ---- warnings ----

TEST(HealthConfig, SlowDetection) {
  // Up to one interval until the first failed probe, then 2 more probes 5s apart (the timeout
  // outlasts fast_recheck), the last taking its 5s timeout.
  EXPECT_EQ(warnings(active("interval: 5m")),
            "t.yaml:3:33: pool 'api': a dead backend takes up to about 5m15s to detect "
            "(interval 5m, unhealthy_threshold 3, fast_recheck 1s, timeout 5s)\n");
  EXPECT_EQ(warnings(active("interval: 2m, fast_recheck: 0s")),
            "t.yaml:3:33: pool 'api': a dead backend takes up to about 6m5s to detect "
            "(interval 2m, unhealthy_threshold 3, fast_recheck off, timeout 5s)\n");
  // No interval written: at the `active` key.
  EXPECT_EQ(warnings(active("unhealthy_threshold: 60, fast_recheck: 0s")),
            "t.yaml:3:14: pool 'api': a dead backend takes up to about 10m5s to detect "
            "(interval 10s, unhealthy_threshold 60, fast_recheck off, timeout 5s)\n");
  // fast_recheck keeps a long interval x threshold quick after the first failure.
  EXPECT_EQ(warnings(active("interval: 2m, unhealthy_threshold: 10, timeout: 1s")), "");
  EXPECT_EQ(warnings(active("interval: 4m, timeout: 1s")), "");
}

TEST(HealthConfig, NoHealthChecks) {
  const std::string warning =
      "t.yaml:3:5: pool 'api' has no health checks: a dead backend is noticed only when "
      "connections to it fail\n";
  EXPECT_EQ(warnings(pool("    health: {passive: {max_fails: 0, consecutive_errors: 0}}\n")),
            warning);
  EXPECT_EQ(warnings(pool("    health:\n      passive:\n        max_fails: 0\n"
                          "        consecutive_errors: 0\n")),
            warning);
  EXPECT_EQ(warnings(pool("    health: {active: {}, passive: {max_fails: 0, "
                          "consecutive_errors: 0}}\n")),
            "");
  EXPECT_EQ(warnings(pool("    health: {passive: {max_fails: 0}}\n")), "");
  EXPECT_EQ(warnings(pool("    health: {passive: {consecutive_errors: 0}}\n")), "");
}

// ---- dump ----

// The pool's dump from `    health:` to the end.
std::string dumped(const std::string& text) {
  auto r = load_string(text, "t.yaml");
  EXPECT_TRUE(r.ok()) << render(r.errors);
  if (!r.config) {
    return {};
  }
  std::string d = dump(*r.config);
  return d.substr(d.find("    health:"));
}

TEST(HealthConfig, DumpShowsEffectiveValues) {
  const std::string passive_defaults =
      "      passive: {max_fails: 1, fail_timeout: 10s, consecutive_errors: 5,\n"
      "                base_ejection_time: 30s, max_ejection_time: 5m, max_ejection_percent: 50}\n";
  EXPECT_EQ(dumped(pool("")),
            "    health:\n" + passive_defaults + "      panic: true\n    drain_timeout: 30s\n");
  EXPECT_EQ(dumped(active("")),
            "    health:\n"
            "      active:\n"
            "        type: http\n"
            "        path: \"/\"\n"
            "        expect: 200-399\n"
            "        interval: 10s\n"
            "        timeout: 5s\n"
            "        healthy_threshold: 2\n"
            "        unhealthy_threshold: 3\n"
            "        jitter: 0.1\n"
            "        fast_recheck: 1s\n" +
                passive_defaults +
                "      panic: true\n"
                "    drain_timeout: 30s\n");
  EXPECT_EQ(dumped(pool("    health:\n"
                        "      active: {type: mcp, host: h, interval: 1s, timeout: 200ms, "
                        "jitter: 0.00001}\n"
                        "      passive: {max_fails: 0, base_ejection_time: 10m}\n"
                        "      panic: false\n"
                        "    drain_timeout: 90s\n")),
            "    health:\n"
            "      active:\n"
            "        type: mcp\n"
            "        path: \"/mcp\"\n"
            "        host: \"h\"\n"
            "        interval: 1s\n"
            "        timeout: 200ms\n"
            "        healthy_threshold: 2\n"
            "        unhealthy_threshold: 3\n"
            "        jitter: 0.00001\n"
            "        fast_recheck: 0s\n"
            "        protocol_version: \"2025-11-25\"\n"
            "      passive: {max_fails: 0, fail_timeout: 10s, consecutive_errors: 5,\n"
            "                base_ejection_time: 10m, max_ejection_time: 10m, "
            "max_ejection_percent: 50}\n"
            "      panic: false\n"
            "    drain_timeout: 1m30s\n");
  EXPECT_NE(dumped(active("expect: 204")).find("        expect: 204\n"), std::string::npos);
}

TEST(HealthConfig, DumpRoundTrips) {
  const std::vector<std::string> cases = {
      "",
      "    health: {active: {}}\n",
      "    health:\n      active: {type: mcp, path: \"/a?b=1\", protocol_version: "
      "2025-03-26, fast_recheck: 0s}\n",
      "    health:\n      active: {expect: 200-204, host: \"x:1\", jitter: 0.123456789, "
      "interval: 150ms, timeout: 10ms}\n",
      "    health:\n      active: {jitter: 0.0000000000000000000000000001}\n",
      "    health:\n      active: {jitter: 0." + std::string(400, '0') + "1}\n",  // underflow
      "    health:\n      active: {jitter: 0." + std::string(323, '0') + "5}\n",  // denormal
      "    health:\n      passive: {max_fails: 0, consecutive_errors: 0, "
      "base_ejection_time: 1h}\n      panic: false\n    drain_timeout: 0s\n",
  };
  for (const std::string& lines : cases) {
    std::string text = pool(lines);
    auto first = load_string(text, "t.yaml");
    ASSERT_TRUE(first.ok()) << render(first.errors) << text;
    std::string once = dump(*first.config);
    auto second = load_string(once, "dump.yaml");
    ASSERT_TRUE(second.ok()) << render(second.errors) << once;
    EXPECT_EQ(dump(*second.config), once);
    const Pool& a = first.config->pools[0];
    const Pool& b = second.config->pools[0];
    EXPECT_EQ(a.health.active.jitter, b.health.active.jitter);
    EXPECT_EQ(a.health.active.path, b.health.active.path);
  }
}

}  // namespace
}  // namespace mcplb::config
