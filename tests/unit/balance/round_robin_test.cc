#include <gtest/gtest.h>

#include <vector>

#include "balance/registry.h"

namespace mcplb::balance {
namespace {

std::vector<pool::BackendPtr> backends(size_t n) {
  std::vector<pool::BackendPtr> out;
  for (size_t i = 0; i < n; ++i) {
    auto b = std::make_shared<pool::Backend>();
    b->name = "b" + std::to_string(i);
    b->stats = std::make_unique<pool::BackendStats>(1);
    out.push_back(b);
  }
  return out;
}

TEST(RoundRobin, IsRegistered) {
  ASSERT_NE(find_policy("round_robin"), nullptr);
  EXPECT_EQ(find_policy("no_such_policy"), nullptr);
}

TEST(RoundRobin, ExactRotation) {
  auto b = backends(3);
  auto p = find_policy("round_robin")->build(b, {});
  PickContext ctx;
  std::vector<size_t> counts(3);
  std::vector<size_t> order;
  for (int i = 0; i < 300; ++i) {
    auto idx = p->pick(ctx);
    ASSERT_TRUE(idx.has_value());
    ++counts[*idx];
    if (i < 6) {
      order.push_back(*idx);
    }
  }
  EXPECT_EQ(counts, (std::vector<size_t>{100, 100, 100}));
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(RoundRobin, WorkersStartAtDifferentBackends) {
  auto b = backends(3);
  auto p0 = find_policy("round_robin")->build(b, {});
  auto p1 = find_policy("round_robin")->build(b, {});
  PickContext c0, c1;
  c0.worker = 0;
  c1.worker = 1;
  EXPECT_EQ(p0->pick(c0), 0u);
  EXPECT_EQ(p1->pick(c1), 1u);
}

TEST(RoundRobin, SkipsUnacceptableAndReportsNone) {
  auto b = backends(3);
  auto p = find_policy("round_robin")->build(b, {});
  bool down[3] = {false, true, false};
  PickContext ctx;
  ctx.acceptable_arg = down;
  ctx.acceptable = [](const void* arg, size_t i) { return !static_cast<const bool*>(arg)[i]; };
  for (int i = 0; i < 10; ++i) {
    auto idx = p->pick(ctx);
    ASSERT_TRUE(idx.has_value());
    EXPECT_NE(*idx, 1u);
  }
  bool all_down[3] = {true, true, true};
  ctx.acceptable_arg = all_down;
  EXPECT_FALSE(p->pick(ctx).has_value());
}

}  // namespace
}  // namespace mcplb::balance
