// Which tools are safe to retry, and the retry budget.
#include <gtest/gtest.h>

#include "proxy/pool_failover.h"

namespace mcplb::proxy {
namespace {

TEST(PoolFailover, LearnedAndConfiguredTools) {
  config::Failover cfg;
  cfg.tools = {"render_*"};
  PoolFailover f(cfg);
  EXPECT_EQ(f.sessions(), nullptr);  // sessions: off by default
  EXPECT_FALSE(f.tool_safe("echo"));
  f.learn_tool("echo", true);
  f.learn_tool("counter", false);
  EXPECT_TRUE(f.tool_safe("echo"));
  EXPECT_FALSE(f.tool_safe("counter"));
  EXPECT_TRUE(f.tool_safe("render_chart"));
  EXPECT_FALSE(f.tool_safe(""));
  f.learn_tool("echo", false);  // a new server version dropped the hint
  EXPECT_FALSE(f.tool_safe("echo"));
}

TEST(PoolFailover, RetryToolsNoneNeverRetriesCalls) {
  config::Failover cfg;
  cfg.retry_idempotent = false;
  cfg.tools = {"*"};
  PoolFailover f(cfg);
  f.learn_tool("echo", true);
  EXPECT_FALSE(f.tool_safe("echo"));
  EXPECT_FALSE(f.learns_tools());
}

TEST(PoolFailover, LearnedToolsAreBounded) {
  PoolFailover f(config::Failover{});
  for (size_t i = 0; i < PoolFailover::kMaxTools + 100; ++i) {
    f.learn_tool("t" + std::to_string(i), true);
  }
  EXPECT_TRUE(f.tool_safe("t0"));
  EXPECT_FALSE(f.tool_safe("t" + std::to_string(PoolFailover::kMaxTools + 50)));
}

TEST(PoolFailover, RetryBudget) {
  config::Failover cfg;
  cfg.retry_budget = 0.2;
  cfg.min_retries = 2;
  PoolFailover f(cfg);
  // 20 in flight: at most max(2, 4) = 4 retries at once.
  int taken = 0;
  while (f.begin_retry(20)) {
    ++taken;
    ASSERT_LT(taken, 100);
  }
  EXPECT_EQ(taken, 4);
  f.end_retry();
  EXPECT_TRUE(f.begin_retry(20));
  EXPECT_FALSE(f.begin_retry(20));
  for (int i = 0; i < 4; ++i) {
    f.end_retry();
  }
  // Quiet pool: min_retries still allowed.
  EXPECT_TRUE(f.begin_retry(0));
  EXPECT_TRUE(f.begin_retry(0));
  EXPECT_FALSE(f.begin_retry(0));
}

TEST(PoolFailover, SessionStoreWhenReinitialize) {
  config::Failover cfg;
  cfg.reinitialize = true;
  cfg.max_sessions = 2;
  PoolFailover f(cfg);
  ASSERT_NE(f.sessions(), nullptr);
  f.sessions()->remember("a", "1", "x");
  EXPECT_EQ(f.sessions()->size(), 1u);
}

}  // namespace
}  // namespace mcplb::proxy
