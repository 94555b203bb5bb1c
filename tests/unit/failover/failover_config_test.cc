// pools.<name>.failover and .overload: defaults, valid forms and errors with positions.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "config/load.h"

namespace mcplb::config {
namespace {

std::string pool(const std::string& lines) {
  return "pools:\n  api:\n" + lines + "    backends: [\"127.0.0.1:3001\"]\n";
}

std::string first_error(const std::string& text) {
  auto r = load_string(text, "t.yaml");
  if (r.errors.empty()) {
    return "";
  }
  const auto& d = r.errors.front();
  return fmt::format("{}:{}: {}", d.line, d.col, d.message);
}

TEST(FailoverConfig, Defaults) {
  auto r = load_string(pool(""), "t.yaml");
  ASSERT_TRUE(r.ok());
  const auto& p = r.config->pools[0];
  EXPECT_FALSE(p.failover.reinitialize);
  EXPECT_TRUE(p.failover.retry_idempotent);
  EXPECT_DOUBLE_EQ(p.failover.retry_budget, 0.2);
  EXPECT_EQ(p.overload.max_in_flight, 0u);
}

TEST(FailoverConfig, EveryKey) {
  auto r = load_string(pool("    failover: {sessions: reinitialize, retry_tools: idempotent, "
                            "tools: [render_*, echo], retry_budget: 0.5, min_retries: 7, "
                            "max_sessions: 1000}\n"
                            "    overload: {max_in_flight: 100, queue: 50, queue_timeout: 2s, "
                            "retry_after: 3}\n"),
                       "t.yaml");
  ASSERT_TRUE(r.ok());
  const auto& p = r.config->pools[0];
  EXPECT_TRUE(p.failover.reinitialize);
  EXPECT_EQ(p.failover.tools, (std::vector<std::string>{"render_*", "echo"}));
  EXPECT_DOUBLE_EQ(p.failover.retry_budget, 0.5);
  EXPECT_EQ(p.failover.min_retries, 7u);
  EXPECT_EQ(p.failover.max_sessions, 1000u);
  EXPECT_EQ(p.overload.max_in_flight, 100u);
  EXPECT_EQ(p.overload.queue, 50u);
  EXPECT_EQ(p.overload.queue_timeout, std::chrono::seconds(2));
  EXPECT_EQ(p.overload.retry_after_seconds, 3u);
}

TEST(FailoverConfig, Errors) {
  EXPECT_EQ(first_error(pool("    failover: {sessions: replay}\n")).substr(0, 5), "3:26:");
  EXPECT_NE(first_error(pool("    failover: {sessions: replay}\n")).find("reinitialize"),
            std::string::npos);
  EXPECT_NE(first_error(pool("    failover: {retry_budget: 2}\n")).find("between 0 and 1"),
            std::string::npos);
  EXPECT_NE(first_error(pool("    failover: {sesions: off}\n")).find("did you mean"),
            std::string::npos);
  EXPECT_NE(first_error(pool("    failover: {tools: echo}\n")), "");
  EXPECT_NE(first_error(pool("    overload: {queue_timeout: 0s}\n")), "");
}

TEST(FailoverConfig, Warnings) {
  auto r = load_string(pool("    overload: {queue: 5}\n"), "t.yaml");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].message.find("no effect"), std::string::npos);
}

}  // namespace
}  // namespace mcplb::config
