// Contracts every registered policy keeps, whatever its algorithm.

#include <set>
#include <string>

#include "balance/detail.h"
#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::Acceptable;
using testing::make_backends;
using testing::make_weighted;

TEST(Registry, ListsEveryPolicyOfTheDesign) {
  std::set<std::string> names;
  for (const auto* f : all_policies()) {
    names.insert(std::string(f->name()));
    EXPECT_EQ(find_policy(f->name()), f);
  }
  EXPECT_EQ(names, (std::set<std::string>{"round_robin", "weighted_round_robin", "random",
                                          "least_conn", "least_request", "least_sessions",
                                          "hash", "ip_hash"}));
  EXPECT_EQ(find_policy("no_such_policy"), nullptr);
}

class EveryPolicy : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryPolicy, NeverPicksRejectedBackends) {
  constexpr size_t kN = 9;
  auto b = make_weighted({1, 2, 3, 1, 2, 3, 1, 2, 3}, 2);
  PolicyOptions o;
  o.seed = 21;
  auto p = testing::build(GetParam(), b, o);
  detail::Rng rng(77);
  rng.start(0);
  Acceptable acc(kN);
  for (int round = 0; round < 300; ++round) {
    for (size_t i = 0; i < kN; ++i) {
      acc.ok[i] = rng.below(3) != 0 ? 1 : 0;
    }
    size_t any = 0;
    for (char c : acc.ok) {
      any += c;
    }
    PickContext ctx;
    acc.attach(ctx);
    ctx.worker = round % 2;
    ctx.now_ns = round;
    ctx.new_session = round % 3 == 0;
    if (round % 2 == 0) {
      ctx.hash = rng.next();
    }
    testing::set_in_flight(b[rng.below(kN)], static_cast<int64_t>(rng.below(5)), ctx.worker);
    auto i = p->pick(ctx);
    if (any == 0) {
      EXPECT_FALSE(i.has_value());
      continue;
    }
    ASSERT_TRUE(i.has_value()) << "round " << round;
    ASSERT_LT(*i, kN);
    EXPECT_TRUE(acc.ok[*i]) << "picked rejected backend " << *i << " in round " << round;
    p->observe(*i, 1'000'000 + static_cast<int64_t>(rng.below(1'000'000)), round);
  }
}

TEST_P(EveryPolicy, NothingAcceptableMeansNullopt) {
  auto b = make_backends(4);
  auto p = testing::build(GetParam(), b);
  Acceptable acc(4);
  acc.ok.assign(4, 0);
  for (bool keyed : {false, true}) {
    for (bool session : {false, true}) {
      PickContext ctx;
      acc.attach(ctx);
      ctx.new_session = session;
      if (keyed) {
        ctx.hash = 12345;
      }
      EXPECT_FALSE(p->pick(ctx).has_value());
    }
  }
  for (const auto& be : b) {
    EXPECT_EQ(be->sessions.load(), 0);  // a failed placement claims nothing
  }
}

TEST_P(EveryPolicy, EmptyPoolMeansNullopt) {
  std::vector<pool::BackendPtr> none;
  auto p = testing::build(GetParam(), none);
  PickContext ctx;
  EXPECT_FALSE(p->pick(ctx).has_value());
  ctx.hash = 1;
  ctx.new_session = true;
  EXPECT_FALSE(p->pick(ctx).has_value());
}

TEST_P(EveryPolicy, OneBackendAlwaysPicked) {
  auto b = make_backends(1);
  auto p = testing::build(GetParam(), b);
  for (int i = 0; i < 20; ++i) {
    PickContext ctx;
    ctx.new_session = i % 2 == 0;
    if (i % 3 == 0) {
      ctx.hash = static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL;
    }
    EXPECT_EQ(p->pick(ctx), 0u);
  }
}

std::vector<std::string> registered_names() {
  std::vector<std::string> out;
  for (const auto* f : all_policies()) {
    out.emplace_back(f->name());
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryPolicy, ::testing::ValuesIn(registered_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mcplb::balance
