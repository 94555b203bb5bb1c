#include <algorithm>
#include <cmath>
#include <string>

#include "balance/detail.h"
#include "balance/hash_ring.h"
#include "balance_test_util.h"

namespace mcplb::balance {
namespace {

using testing::Acceptable;
using testing::add_in_flight;
using testing::make_backends;
using testing::make_weighted;

constexpr size_t kKeys = 100'000;

PickContext keyed(uint64_t h) {
  PickContext ctx;
  ctx.hash = h;
  return ctx;
}

uint64_t key(size_t i) { return hash64("user-" + std::to_string(i)); }

std::vector<size_t> place_all(Policy& p, const PickContext& base) {
  std::vector<size_t> out(kKeys);
  PickContext ctx = base;
  for (size_t k = 0; k < kKeys; ++k) {
    ctx.hash = key(k);
    auto i = p.pick(ctx);
    EXPECT_TRUE(i);
    out[k] = i.value_or(~size_t{0});
  }
  return out;
}

TEST(Hash64, IsXxh3AndStable) {
  // XXH3_64bits("") from the xxHash specification: the same in every process and replica.
  EXPECT_EQ(hash64(""), 0x2D06800538D394C2ULL);
  EXPECT_EQ(hash64("session-42"), hash64(std::string("session-") + "42"));
  EXPECT_NE(hash64("a"), hash64("b"));
}

TEST(HashRing, PointsFollowWeights) {
  auto b = make_weighted({1, 3});
  HashRing ring(b);
  size_t owned1 = 0;
  for (size_t pos = 0; pos < ring.size(); ++pos) {
    owned1 += ring.owner(pos) == 1 ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(owned1) / ring.size(), 0.75, 0.001);
  EXPECT_NEAR(static_cast<double>(ring.size()), HashRing::kTotalPoints, 4);
}

TEST(HashRing, EntriesAreSortedByPositionThenOwner) {
  auto b = make_weighted({3, 1, 4, 1, 5, 9, 2, 6});
  HashRing ring(b);
  for (size_t pos = 1; pos < ring.size(); ++pos) {
    ASSERT_TRUE(ring.position(pos - 1) < ring.position(pos) ||
                (ring.position(pos - 1) == ring.position(pos) &&
                 ring.owner(pos - 1) <= ring.owner(pos)))
        << pos;
  }
  // A rebuild with other weights and back gives the same ring.
  std::vector<uint32_t> w{3, 1, 4, 1, 5, 9, 2, 6};
  std::vector<std::pair<uint32_t, uint32_t>> first;
  for (size_t pos = 0; pos < ring.size(); ++pos) {
    first.emplace_back(ring.position(pos), ring.owner(pos));
  }
  std::vector<uint32_t> other{1, 1, 1, 1, 1, 1, 1, 7};
  ring.rebuild(b, other);
  ring.rebuild(b, w);
  ASSERT_EQ(ring.size(), first.size());
  for (size_t pos = 0; pos < ring.size(); ++pos) {
    ASSERT_EQ(first[pos], std::make_pair(ring.position(pos), ring.owner(pos)));
  }
}

TEST(HashRing, FindIsTheFirstPointClockwise) {
  auto b = make_backends(10);
  HashRing ring(b);
  detail::Rng rng(5);
  rng.start(0);
  const size_t last = ring.size() - 1;
  for (int k = 0; k < 200'000; ++k) {
    uint64_t h = rng.next();
    auto key = static_cast<uint32_t>(h >> 32);
    size_t pos = ring.find(h);
    ASSERT_LT(pos, ring.size());
    if (pos == 0) {  // wrapped, or before every point
      ASSERT_TRUE(ring.position(0) >= key || ring.position(last) < key) << h;
    } else {
      ASSERT_GE(ring.position(pos), key) << h;
      ASSERT_LT(ring.position(pos - 1), key) << h;
    }
  }
  EXPECT_EQ(ring.find(0), 0u);
  EXPECT_EQ(ring.find(~uint64_t{0}), ring.position(last) == UINT32_MAX ? last : 0u);
}

class RemoveOne : public ::testing::TestWithParam<size_t> {};

TEST_P(RemoveOne, MovesOnlyTheRemovedBackendsKeys) {
  const size_t n = GetParam();
  auto b = make_backends(n);
  for (double factor : {0.0, 1.25}) {
    PolicyOptions o;
    o.balance_factor = factor;
    auto p = testing::build("hash", b, o);
    auto before = place_all(*p, PickContext{});
    std::vector<size_t> per(n, 0);
    for (size_t owner : before) {
      ++per[owner];
    }
    for (size_t c : per) {  // each backend holds ~1/n of the keys
      EXPECT_NEAR(static_cast<double>(c) / kKeys, 1.0 / n, 0.02);
    }
    for (size_t gone = 0; gone < n; ++gone) {
      Acceptable acc(n);
      acc.ok[gone] = 0;
      PickContext ctx;
      acc.attach(ctx);
      auto after = place_all(*p, ctx);
      size_t moved = 0;
      for (size_t k = 0; k < kKeys; ++k) {
        if (before[k] == gone) {
          ++moved;
          EXPECT_NE(after[k], gone);
        } else {
          ASSERT_EQ(after[k], before[k]) << "key " << k << " moved though its backend stayed";
        }
      }
      EXPECT_LE(static_cast<double>(moved) / kKeys, 1.0 / n + 0.02) << "removed " << gone;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Pools, RemoveOne, ::testing::Values(size_t{5}, size_t{10}));

TEST(Hash, KeySharesFollowWeights) {
  std::vector<uint32_t> w{1, 2, 3, 4};
  auto b = make_weighted(w);
  auto p = testing::build("hash", b);
  std::vector<size_t> counts(4, 0);
  for (size_t owner : place_all(*p, PickContext{})) {
    ++counts[owner];
  }
  testing::expect_shares(counts, w, 0.02);
}

TEST(Hash, ReplicasAndIpHashPlaceKeysIdentically) {
  auto b1 = make_backends(7);
  auto b2 = make_backends(7);  // another replica's own Backend objects, same names
  auto p1 = testing::build("hash", b1);
  auto p2 = testing::build("hash", b2);
  auto p3 = testing::build("ip_hash", b1);
  for (size_t k = 0; k < 1000; ++k) {
    auto a = p1->pick(keyed(key(k)));
    ASSERT_EQ(a, p2->pick(keyed(key(k))));
    ASSERT_EQ(a, p3->pick(keyed(key(k))));
  }
}

TEST(Hash, BoundedLoadSpillsAHotKey) {
  constexpr size_t kN = 5;
  constexpr double kFactor = 1.25;
  auto b = make_backends(kN);
  PolicyOptions o;
  o.balance_factor = kFactor;
  auto p = testing::build("hash", b, o);
  detail::Rng rng(1234);
  rng.start(0);
  int64_t total = 0;
  for (int step = 0; step < 20'000; ++step) {
    uint64_t h = rng.below(10) < 9 ? key(0) : key(1 + rng.below(1'000'000));
    auto i = p->pick(keyed(h));
    ASSERT_TRUE(i);
    add_in_flight(b[*i]);
    ++total;
    double mean = static_cast<double>(total) / kN;
    int64_t bound = static_cast<int64_t>(std::ceil(kFactor * mean)) + 1;
    for (const auto& be : b) {
      ASSERT_LE(be->stats->in_flight(), bound) << "step " << step;
    }
  }
  // Without the bound the hot key's backend would hold ~90%.
  for (const auto& be : b) {
    EXPECT_GT(be->stats->in_flight(), 0);
  }
}

TEST(Hash, ColdKeysKeepTheirBackendUnderBoundedLoad) {
  auto b = make_backends(5);
  auto p = testing::build("hash", b);  // default factor 1.25
  std::vector<size_t> home(200);
  for (size_t k = 0; k < home.size(); ++k) {
    home[k] = *p->pick(keyed(key(k)));
  }
  testing::set_in_flight(b[0], 3);  // light load everywhere else: no cap is reached by 1
  for (size_t k = 0; k < home.size(); ++k) {
    if (home[k] != 0) {
      EXPECT_EQ(p->pick(keyed(key(k))), home[k]);
    }
  }
}

TEST(Hash, FallbackPlacesKeylessRequests) {
  auto b = make_backends(3);
  auto rr = testing::build("hash", b);  // default fallback: round_robin
  EXPECT_FALSE(rr->claims_sessions());
  std::vector<size_t> seq;
  for (int i = 0; i < 6; ++i) {
    seq.push_back(*rr->pick(PickContext{}));
  }
  EXPECT_EQ(seq, (std::vector<size_t>{0, 1, 2, 0, 1, 2}));

  PolicyOptions o;
  o.fallback = find_policy("least_sessions");
  auto ls = testing::build("ip_hash", b, o);
  EXPECT_TRUE(ls->claims_sessions());
  b[0]->sessions = 5;
  b[1]->sessions = 5;
  PickContext ctx;
  ctx.new_session = true;
  EXPECT_EQ(ls->pick(ctx), 2u);
  EXPECT_EQ(b[2]->sessions.load(), 1);
  // Keyed new sessions are claimed too, since the caller will not add them.
  ctx.hash = key(1);
  auto i = ls->pick(ctx);
  ASSERT_TRUE(i);
  EXPECT_EQ(b[0]->sessions + b[1]->sessions + b[2]->sessions, 12);

  o.fallback = find_policy("hash");  // cannot fall back to itself: round robin instead
  auto self = testing::build("hash", b, o);
  EXPECT_TRUE(self->pick(PickContext{}));
}

TEST(Hash, RuntimeWeightChangeRebuildsTheRing) {
  auto b = make_weighted({1, 1});
  auto p = testing::build("hash", b);
  b[1]->weight.store(3);
  // The change is noticed within one pass over the pool (one weight read per pick).
  p->pick(keyed(1));
  p->pick(keyed(2));
  std::vector<size_t> counts(2, 0);
  for (size_t owner : place_all(*p, PickContext{})) {
    ++counts[owner];
  }
  EXPECT_NEAR(counts[1] / static_cast<double>(kKeys), 0.75, 0.02);
}

}  // namespace
}  // namespace mcplb::balance
