#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::count_picks;
using testing::make_backends;
using testing::make_weighted;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kUp = 1000 * kSec;  // steady-clock instant the backend came up
constexpr int64_t kRamp = 40 * kSec;

void ramping(const pool::BackendPtr& b) {
  b->slow_start_ns = kRamp;
  b->up_since_ns = kUp;
}

TEST(SlowStart, EffectiveWeightRamps) {
  auto b = make_weighted({4});
  ramping(b[0]);
  const uint64_t full = 4 << 10;
  EXPECT_EQ(pool::effective_weight(*b[0], kUp), 1u);  // never 0: not starved outright
  EXPECT_EQ(pool::effective_weight(*b[0], kUp + kRamp / 4), full / 4);
  EXPECT_EQ(pool::effective_weight(*b[0], kUp + kRamp / 2), full / 2);
  EXPECT_EQ(pool::effective_weight(*b[0], kUp + kRamp), full);
  EXPECT_EQ(pool::effective_weight(*b[0], kUp + 10 * kRamp), full);
  b[0]->up_since_ns = 0;  // up since start: no ramp
  EXPECT_EQ(pool::effective_weight(*b[0], kUp), full);
}

TEST(SlowStart, WeightedRoundRobinGivesARampingBackendProportionallyLess) {
  auto b = make_weighted({1, 1});
  ramping(b[1]);
  auto p = testing::build("weighted_round_robin", b);
  const double expect[] = {0.0, 0.25 / 1.25, 0.5 / 1.5, 0.5};
  const int64_t at[] = {0, kRamp / 4, kRamp / 2, kRamp};
  for (int k = 0; k < 4; ++k) {
    PickContext ctx;
    ctx.now_ns = kUp + at[k];
    auto counts = count_picks(*p, ctx, 2, 20'000);
    EXPECT_NEAR(counts[1] / 20'000.0, expect[k], 0.02) << "at " << at[k] / kSec << " s";
  }
}

TEST(SlowStart, RandomAndLeastConnRampToo) {
  for (const char* name : {"random", "least_conn"}) {
    auto b = make_weighted({1, 1});
    ramping(b[1]);
    PolicyOptions o;
    o.seed = 17;
    auto p = testing::build(name, b, o);
    PickContext ctx;
    ctx.now_ns = kUp + kRamp / 4;
    auto counts = count_picks(*p, ctx, 2, 20'000);
    EXPECT_NEAR(counts[1] / 20'000.0, 0.2, 0.02) << name;
  }
}

}  // namespace
}  // namespace mcplb::balance
