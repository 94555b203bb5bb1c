#include <algorithm>
#include <thread>

#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::Acceptable;
using testing::make_backends;
using testing::make_weighted;

PickContext new_session(size_t worker = 0) {
  PickContext ctx;
  ctx.new_session = true;
  ctx.worker = worker;
  return ctx;
}

TEST(LeastSessions, ClaimsTheSessionItself) {
  auto b = make_backends(3);
  auto p = testing::build("least_sessions", b);
  EXPECT_TRUE(p->claims_sessions());
  auto i = p->pick(new_session());
  ASSERT_TRUE(i);
  EXPECT_EQ(b[*i]->sessions.load(), 1);
}

TEST(LeastSessions, PicksTheFewest) {
  auto b = make_backends(3);
  b[0]->sessions = 7;
  b[1]->sessions = 2;
  b[2]->sessions = 4;
  auto p = testing::build("least_sessions", b);
  EXPECT_EQ(p->pick(new_session()), 1u);
  EXPECT_EQ(p->pick(new_session()), 1u);
  EXPECT_EQ(b[1]->sessions.load(), 4);
  // 4 vs 4: the tie rotates past the last winner.
  EXPECT_EQ(p->pick(new_session()), 2u);
  EXPECT_EQ(p->pick(new_session()), 1u);
}

TEST(LeastSessions, TiesRotate) {
  auto b = make_backends(3);
  auto p = testing::build("least_sessions", b);
  std::vector<size_t> seq;
  for (int i = 0; i < 6; ++i) {
    seq.push_back(*p->pick(new_session()));
  }
  EXPECT_EQ(seq, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(LeastSessions, SessionsFollowWeights) {
  auto b = make_weighted({3, 1});
  auto p = testing::build("least_sessions", b);
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(p->pick(new_session()));
  }
  EXPECT_NEAR(b[0]->sessions.load(), 300, 3);
}

TEST(LeastSessions, StatelessRequestsRotateWithoutClaiming) {
  auto b = make_backends(3);
  b[0]->sessions = 100;
  auto p = testing::build("least_sessions", b);
  std::vector<size_t> seq;
  for (int i = 0; i < 6; ++i) {
    seq.push_back(*p->pick(PickContext{}));
  }
  EXPECT_EQ(seq, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(b[0]->sessions.load(), 100);
  EXPECT_EQ(b[1]->sessions.load(), 0);
}

TEST(LeastSessions, SkipsRejectedEvenWhenEmptiest) {
  auto b = make_backends(3);
  b[1]->sessions = 9;
  b[2]->sessions = 9;
  auto p = testing::build("least_sessions", b);
  Acceptable acc(3);
  acc.ok[0] = 0;
  PickContext ctx = new_session();
  acc.attach(ctx);
  EXPECT_NE(p->pick(ctx), 0u);
  EXPECT_EQ(b[0]->sessions.load(), 0);
}

TEST(LeastSessions, ConcurrentPlacementsStayWithinOne) {
  constexpr size_t kThreads = 4;
  constexpr int kPicks = 20'000;
  for (size_t backends : {2u, 3u, 7u}) {
    auto b = make_backends(backends, kThreads);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&b, t] {
        auto p = testing::build("least_sessions", b);
        for (int i = 0; i < kPicks; ++i) {
          p->pick(new_session(t));
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
    int64_t lo = b[0]->sessions.load();
    int64_t hi = lo;
    int64_t sum = 0;
    for (const auto& be : b) {
      lo = std::min(lo, be->sessions.load());
      hi = std::max(hi, be->sessions.load());
      sum += be->sessions.load();
    }
    EXPECT_EQ(sum, static_cast<int64_t>(kThreads * kPicks));
    EXPECT_LE(hi - lo, 1) << backends << " backends";
  }
}

}  // namespace
}  // namespace mcplb::balance
