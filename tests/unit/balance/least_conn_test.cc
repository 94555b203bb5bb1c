#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::add_in_flight;
using testing::count_picks;
using testing::make_backends;
using testing::make_weighted;
using testing::set_in_flight;

TEST(LeastConn, PicksFewestInFlightSummedOverWorkers) {
  auto b = make_backends(3, /*workers=*/2);
  set_in_flight(b[0], 2, 0);
  set_in_flight(b[0], 2, 1);  // 4 in all
  set_in_flight(b[1], 1, 0);
  set_in_flight(b[1], 2, 1);  // 3
  set_in_flight(b[2], 5, 1);  // 5
  auto p = testing::build("least_conn", b);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(p->pick(PickContext{}), 1u);
  }
}

TEST(LeastConn, TiesRotateFromEachWorkersOwnStart) {
  auto b = make_backends(3);
  auto p0 = testing::build("least_conn", b);
  auto p1 = testing::build("least_conn", b);
  PickContext w0;
  PickContext w1;
  w1.worker = 1;
  std::vector<size_t> s0;
  std::vector<size_t> s1;
  for (int i = 0; i < 6; ++i) {
    s0.push_back(*p0->pick(w0));
    s1.push_back(*p1->pick(w1));
  }
  EXPECT_EQ(s0, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(s1, (std::vector<size_t>{1, 2, 0, 1, 2, 0}));
}

TEST(LeastConn, TiesAmongASubsetAlternate) {
  auto b = make_backends(3);
  set_in_flight(b[1], 3);
  auto p = testing::build("least_conn", b);
  auto counts = count_picks(*p, PickContext{}, 3, 100);
  EXPECT_EQ(counts, (std::vector<size_t>{50, 0, 50}));
}

TEST(LeastConn, ComparesLoadPerWeight) {
  auto b = make_weighted({5, 1});
  set_in_flight(b[0], 4);  // 0.8 per weight unit
  set_in_flight(b[1], 1);  // 1.0
  auto p = testing::build("least_conn", b);
  EXPECT_EQ(p->pick(PickContext{}), 0u);
  set_in_flight(b[0], 6);  // 1.2
  EXPECT_EQ(p->pick(PickContext{}), 1u);
}

TEST(LeastConn, LoadFollowsWeightsWhenRequestsPileUp) {
  auto b = make_weighted({3, 1, 1});
  auto p = testing::build("least_conn", b);
  for (int i = 0; i < 500; ++i) {
    auto idx = p->pick(PickContext{});
    ASSERT_TRUE(idx);
    add_in_flight(b[*idx]);
  }
  EXPECT_NEAR(b[0]->stats->in_flight(), 300, 3);
  EXPECT_NEAR(b[1]->stats->in_flight(), 100, 1);
  EXPECT_NEAR(b[2]->stats->in_flight(), 100, 1);
}

TEST(LeastConn, IdlePoolStillHonoursCanaryWeights) {
  auto b = make_weighted({5, 95});
  auto p = testing::build("least_conn", b);
  auto counts = count_picks(*p, PickContext{}, 2, 100'000);
  EXPECT_NEAR(counts[0] / 100'000.0, 0.05, 0.01);
}

}  // namespace
}  // namespace mcplb::balance
