#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::Acceptable;
using testing::count_picks;
using testing::make_backends;
using testing::make_weighted;
using testing::set_in_flight;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

PolicyOptions opts(bool ewma, uint64_t seed = 11) {
  PolicyOptions o;
  o.ewma = ewma;
  o.seed = seed;
  return o;
}

PickContext at(int64_t now_ns) {
  PickContext ctx;
  ctx.now_ns = now_ns;
  return ctx;
}

TEST(LeastRequest, TwoBackendsAlwaysTheLessLoaded) {
  for (bool ewma : {false, true}) {
    auto b = make_backends(2);
    set_in_flight(b[0], 5);
    set_in_flight(b[1], 2);
    auto p = testing::build("least_request", b, opts(ewma));
    auto counts = count_picks(*p, PickContext{}, 2, 1000);
    EXPECT_EQ(counts[1], 1000u) << "ewma=" << ewma;
  }
}

TEST(LeastRequest, ScoreDividesByWeight) {
  auto b = make_weighted({4, 1});
  set_in_flight(b[0], 5);  // (5+1)/4 = 1.5
  set_in_flight(b[1], 1);  // (1+1)/1 = 2
  auto p = testing::build("least_request", b, opts(false));
  auto counts = count_picks(*p, PickContext{}, 2, 100);
  EXPECT_EQ(counts[0], 100u);
}

TEST(LeastRequest, SpreadsAnIdlePoolEvenly) {
  auto b = make_backends(4);
  auto p = testing::build("least_request", b, opts(true));
  auto counts = count_picks(*p, PickContext{}, 4, 40'000);
  for (size_t c : counts) {
    EXPECT_NEAR(c / 40'000.0, 0.25, 0.02);
  }
}

TEST(LeastRequest, SingleAcceptableBackendIsPicked) {
  auto b = make_backends(5);
  auto p = testing::build("least_request", b, opts(true));
  Acceptable acc(5);
  acc.ok.assign(5, 0);
  acc.ok[3] = 1;
  PickContext ctx;
  acc.attach(ctx);
  auto counts = count_picks(*p, ctx, 5, 100);
  EXPECT_EQ(counts[3], 100u);
}

TEST(LeastRequest, SlowBackendLosesTrafficAtOnceAndRecoversLater) {
  auto b = make_backends(3);
  auto p = testing::build("least_request", b, opts(true));
  // One second of 1 ms answers from everyone.
  int64_t now = 0;
  for (; now < kSec; now += 10 * kMs) {
    for (size_t i = 0; i < 3; ++i) {
      p->observe(i, kMs, now);
    }
  }
  auto before = count_picks(*p, at(now), 3, 3000);
  EXPECT_GT(before[0], 800u);
  // Backend 0 turns slow: one 200 ms answer is enough (peak EWMA takes it at once). The
  // others carry a request each, so only latency can explain its losing.
  p->observe(0, 200 * kMs, now);
  set_in_flight(b[1], 1);
  set_in_flight(b[2], 1);
  auto after = count_picks(*p, at(now), 3, 3000);
  EXPECT_EQ(after[0], 0u) << "slow backend still gets traffic";
  // It recovers: a minute of fast answers decays the peak back near 1 ms, and with less
  // in flight than the others it wins every pair it is in again.
  for (int64_t end = now + 60 * kSec; now < end; now += 100 * kMs) {
    for (size_t i = 0; i < 3; ++i) {
      p->observe(i, kMs, now);
    }
  }
  auto recovered = count_picks(*p, at(now), 3, 3000);
  EXPECT_NEAR(recovered[0] / 3000.0, 2.0 / 3.0, 0.05);
}

TEST(LeastRequest, EwmaSlowBackendGetsClearlyLessUnderLoad) {
  // A closed loop: every pick adds one in-flight request, and each backend completes
  // requests at its own speed, so in_flight and latency both feed the score.
  auto b = make_backends(3);
  auto p = testing::build("least_request", b, opts(true));
  std::vector<int64_t> latency{50 * kMs, 5 * kMs, 5 * kMs};
  std::vector<size_t> counts(3, 0);
  int64_t now = 0;
  for (int step = 0; step < 20'000; ++step, now += kMs / 2) {
    auto i = p->pick(at(now));
    ASSERT_TRUE(i);
    ++counts[*i];
    p->observe(*i, latency[*i], now);
  }
  EXPECT_LT(counts[0], counts[1] / 4);
  EXPECT_LT(counts[0], counts[2] / 4);
}

TEST(LeastRequest, UnmeasuredBackendCompetesAtTheMean) {
  auto b = make_backends(3);
  auto p = testing::build("least_request", b, opts(true));
  p->observe(0, 10 * kMs, 0);
  p->observe(1, 30 * kMs, 0);
  // Backend 2 counts as 20 ms: it beats 1, loses to 0, so pairs give 0 two thirds and 2 one
  // third; it neither wins everything nor starves.
  auto counts = count_picks(*p, at(0), 3, 30'000);
  EXPECT_EQ(counts[1], 0u);
  EXPECT_NEAR(counts[2] / 30'000.0, 1.0 / 3.0, 0.02);
}

TEST(LeastRequest, FixedSeedIsRepeatable) {
  auto b = make_backends(8);
  auto p1 = testing::build("least_request", b, opts(true, 5));
  auto p2 = testing::build("least_request", b, opts(true, 5));
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(p1->pick(PickContext{}), p2->pick(PickContext{}));
  }
}

}  // namespace
}  // namespace mcplb::balance
