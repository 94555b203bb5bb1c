#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::Acceptable;
using testing::count_picks;
using testing::expect_shares;
using testing::make_backends;
using testing::make_weighted;

PolicyOptions seeded(uint64_t seed) {
  PolicyOptions o;
  o.seed = seed;
  return o;
}

TEST(Random, DistributionFollowsWeights) {
  std::vector<uint32_t> w{1, 2, 3, 4, 10};
  auto b = make_weighted(w);
  auto p = testing::build("random", b, seeded(42));
  expect_shares(count_picks(*p, PickContext{}, w.size(), 100'000), w, 0.02);
}

TEST(Random, CanaryGetsFivePercent) {
  auto b = make_weighted({5, 95});
  auto p = testing::build("random", b, seeded(7));
  auto counts = count_picks(*p, PickContext{}, 2, 100'000);
  EXPECT_NEAR(counts[0] / 100'000.0, 0.05, 0.01);
}

TEST(Random, FixedSeedRepeatsPerWorkerAndWorkersDiffer) {
  auto b = make_backends(10);
  auto p1 = testing::build("random", b, seeded(99));
  auto p2 = testing::build("random", b, seeded(99));
  auto p3 = testing::build("random", b, seeded(99));
  PickContext w0;
  PickContext w1;
  w1.worker = 1;
  int same01 = 0;
  for (int i = 0; i < 200; ++i) {
    auto a = p1->pick(w0);
    ASSERT_EQ(a, p2->pick(w0));
    same01 += a == p3->pick(w1) ? 1 : 0;
  }
  EXPECT_LT(same01, 60);  // independent streams agree ~10% of the time
}

TEST(Random, RejectedBackendsGetNothingAndTheRestKeepRatios) {
  std::vector<uint32_t> w{1, 1, 2};
  auto b = make_weighted(w);
  auto p = testing::build("random", b, seeded(3));
  Acceptable acc(3);
  acc.ok[0] = 0;
  PickContext ctx;
  acc.attach(ctx);
  auto counts = count_picks(*p, ctx, 3, 30'000);
  EXPECT_EQ(counts[0], 0u);
  EXPECT_NEAR(counts[2] / 30'000.0, 2.0 / 3.0, 0.02);
}

}  // namespace
}  // namespace mcplb::balance
