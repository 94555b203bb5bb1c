// Passive health rules on a hand-built pool: nginx max_fails/fail_timeout, outlier ejection
// with growing times, the max_ejection_percent cap, and the log-once return.

#include "proxy/passive_health.h"

#include <gtest/gtest.h>

namespace mcplb::proxy {
namespace {

constexpr int64_t kSec = 1'000'000'000;

PoolRt make_pool(size_t n, config::PassiveHealth passive) {
  PoolRt p;
  p.cfg.name = "mcp";
  p.cfg.health.passive = passive;
  for (size_t i = 0; i < n; ++i) {
    auto b = std::make_shared<pool::Backend>();
    b->name = "b" + std::to_string(i);
    b->address = "127.0.0.1:1";
    b->stats = std::make_unique<pool::BackendStats>(1);
    p.backends.push_back(std::move(b));
  }
  return p;
}

config::PassiveHealth max_fails(uint32_t n, int seconds) {
  config::PassiveHealth c;
  c.max_fails = n;
  c.fail_timeout = std::chrono::seconds(seconds);
  c.consecutive_errors = 0;
  c.max_ejection_percent = 100;
  return c;
}

TEST(PassiveHealth, MaxFailsWithinWindowEjectsForFailTimeout) {
  PoolRt p = make_pool(3, max_fails(3, 10));
  const int64_t t0 = 100 * kSec;
  record_failure(p, 0, t0, "connect failed");
  record_failure(p, 0, t0 + 1 * kSec, "connect failed");
  EXPECT_TRUE(p.backends[0]->ready(t0 + 2 * kSec));
  record_failure(p, 0, t0 + 2 * kSec, "connect failed");
  EXPECT_FALSE(p.backends[0]->ready(t0 + 2 * kSec));
  EXPECT_FALSE(p.backends[0]->ready(t0 + 11 * kSec));
  EXPECT_TRUE(p.backends[0]->ready(t0 + 12 * kSec + 1));
  EXPECT_TRUE(p.backends[1]->ready(t0 + 2 * kSec));
}

TEST(PassiveHealth, FailuresOutsideTheWindowDoNotAddUp) {
  PoolRt p = make_pool(2, max_fails(2, 10));
  const int64_t t0 = 100 * kSec;
  record_failure(p, 1, t0, "timeout");
  record_failure(p, 1, t0 + 11 * kSec, "timeout");  // a new window: count 1
  EXPECT_TRUE(p.backends[1]->ready(t0 + 11 * kSec));
  record_failure(p, 1, t0 + 12 * kSec, "timeout");
  EXPECT_FALSE(p.backends[1]->ready(t0 + 12 * kSec));
}

TEST(PassiveHealth, OutlierEjectionGrowsAndIsCapped) {
  config::PassiveHealth c;
  c.max_fails = 0;
  c.consecutive_errors = 2;
  c.base_ejection_time = std::chrono::seconds(10);
  c.max_ejection_time = std::chrono::seconds(25);
  c.max_ejection_percent = 100;
  PoolRt p = make_pool(2, c);
  auto& b = *p.backends[0];
  int64_t t = 100 * kSec;
  const int64_t expected[] = {10, 20, 25, 25};
  for (int64_t secs : expected) {
    record_failure(p, 0, t, "status 502");
    record_success(p, 0);  // breaks the streak: no ejection yet
    record_failure(p, 0, t, "status 502");
    EXPECT_TRUE(b.ready(t));
    record_failure(p, 0, t, "status 503");
    EXPECT_EQ(b.ejected_until_ns.load(), t + secs * kSec);
    t += secs * kSec;
    log_returns(p, t);  // back in rotation, shortly enough to keep the count growing
    EXPECT_EQ(b.ejected_until_ns.load(), 0);
  }
  // In rotation for longer than max_ejection_time: the next ejection starts at base again.
  t += 26 * kSec;
  record_failure(p, 0, t, "status 502");
  record_failure(p, 0, t, "status 502");
  EXPECT_EQ(b.ejected_until_ns.load(), t + 10 * kSec);
}

TEST(PassiveHealth, NeverEjectsMoreThanMaxEjectionPercent) {
  config::PassiveHealth c = max_fails(1, 10);
  c.max_ejection_percent = 50;
  PoolRt p = make_pool(4, c);
  const int64_t t = 100 * kSec;
  for (size_t i = 0; i < 4; ++i) {
    record_failure(p, i, t, "connect failed");
  }
  int ejected = 0;
  for (const auto& b : p.backends) {
    ejected += b->ready(t) ? 0 : 1;
  }
  EXPECT_EQ(ejected, 2);
}

TEST(PassiveHealth, OffWhenBothRulesAreZero) {
  config::PassiveHealth c = max_fails(0, 10);
  PoolRt p = make_pool(1, c);
  for (int i = 0; i < 100; ++i) {
    record_failure(p, 0, 100 * kSec, "connect failed");
  }
  EXPECT_TRUE(p.backends[0]->ready(100 * kSec));
}

TEST(Drain, DeadlineAndEnd) {
  pool::Backend b;
  EXPECT_TRUE(pool::start_drain(b, 10, 5));
  EXPECT_FALSE(pool::start_drain(b, 11, 5));
  EXPECT_FALSE(b.ready(10));
  EXPECT_FALSE(pool::drained_out(b, 14));
  EXPECT_TRUE(pool::drained_out(b, 15));
  pool::end_drain(b, pool::BackendState::healthy);
  EXPECT_TRUE(b.ready(15));
  EXPECT_FALSE(pool::drained_out(b, 100));
}

}  // namespace
}  // namespace mcplb::proxy
