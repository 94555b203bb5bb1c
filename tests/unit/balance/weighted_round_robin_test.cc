#include <string>

#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::Acceptable;
using testing::count_picks;
using testing::expect_shares;
using testing::make_backends;
using testing::make_weighted;

TEST(WeightedRoundRobin, NginxSmoothSequence) {
  auto b = make_weighted({5, 1, 1});
  auto p = testing::build("weighted_round_robin", b);
  PickContext ctx;
  std::string seq;
  for (int i = 0; i < 21; ++i) {
    seq += static_cast<char>('a' + *p->pick(ctx));
  }
  EXPECT_EQ(seq, "aabacaa" "aabacaa" "aabacaa");
}

TEST(WeightedRoundRobin, DistributionFollowsWeights) {
  std::vector<uint32_t> w{1, 2, 3, 4, 10};
  auto b = make_weighted(w);
  auto p = testing::build("weighted_round_robin", b);
  expect_shares(count_picks(*p, PickContext{}, w.size(), 100'000), w, 0.02);
}

TEST(WeightedRoundRobin, CanaryGetsFivePercent) {
  std::vector<uint32_t> w{5, 95};
  auto b = make_weighted(w);
  auto p = testing::build("weighted_round_robin", b);
  auto counts = count_picks(*p, PickContext{}, 2, 100'000);
  EXPECT_NEAR(counts[0] / 100'000.0, 0.05, 0.01);
  // Smooth: the canary's picks are spread out, never two in a row.
  PickContext ctx;
  std::optional<size_t> prev;
  for (int i = 0; i < 200; ++i) {
    auto cur = p->pick(ctx);
    EXPECT_FALSE(prev == 0u && cur == 0u);
    prev = cur;
  }
}

TEST(WeightedRoundRobin, RejectedBackendsSitOut) {
  auto b = make_weighted({5, 1, 1});
  auto p = testing::build("weighted_round_robin", b);
  Acceptable acc(3);
  acc.ok[1] = 0;
  PickContext ctx;
  acc.attach(ctx);
  auto counts = count_picks(*p, ctx, 3, 6000);
  EXPECT_EQ(counts[1], 0u);
  EXPECT_EQ(counts[0], 5000u);
  EXPECT_EQ(counts[2], 1000u);
  acc.ok.assign(3, 0);
  EXPECT_FALSE(p->pick(ctx).has_value());
}

TEST(WeightedRoundRobin, RuntimeWeightChangeAppliesAtOnce) {
  auto b = make_weighted({1, 1});
  auto p = testing::build("weighted_round_robin", b);
  PickContext ctx;
  count_picks(*p, ctx, 2, 10);
  b[1]->weight.store(3);
  auto counts = count_picks(*p, ctx, 2, 4000);
  EXPECT_NEAR(counts[1] / 4000.0, 0.75, 0.01);
}

}  // namespace
}  // namespace mcplb::balance
