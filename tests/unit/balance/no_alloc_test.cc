// Picks and observes must not touch the heap (DESIGN: no per-request allocation). This binary
// replaces the global operator new with a counting one; the count must not move across a
// run of picks, including a hash ring rebuild after a runtime weight change.

#include <atomic>
#include <cstdlib>
#include <new>

#include "balance/detail.h"
#include "balance_test_util.h"

// ThreadSanitizer's runtime defines operator new itself; there the test is skipped.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MCPLB_NO_NEW_HOOK 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define MCPLB_NO_NEW_HOOK 1
#endif

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

#ifndef MCPLB_NO_NEW_HOOK

// GCC pairs the replaced new with free() inside a TU and flags it; malloc/free is the pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#endif

namespace mcplb::balance {
namespace {

class NoAlloc : public ::testing::TestWithParam<std::string> {};

TEST_P(NoAlloc, PicksAndObservesNeverAllocate) {
#ifdef MCPLB_NO_NEW_HOOK
  GTEST_SKIP() << "operator new belongs to the thread sanitizer here";
#endif
  constexpr size_t kN = 12;
  auto b = testing::make_weighted({1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}, 2);
  PolicyOptions o;
  o.seed = 9;
  o.fallback = find_policy("least_sessions");
  auto p = testing::build(GetParam(), b, o);
  testing::Acceptable acc(kN);
  detail::Rng rng(3);
  rng.start(0);
  uint64_t before = g_allocations.load();
  for (int i = 0; i < 5000; ++i) {
    for (size_t k = 0; k < kN; ++k) {
      acc.ok[k] = rng.below(4) != 0 ? 1 : 0;
    }
    PickContext ctx;
    acc.attach(ctx);
    ctx.worker = i % 2;
    ctx.now_ns = int64_t{i} * 1'000'000;
    ctx.new_session = i % 5 == 0;
    if (i % 3 != 0) {
      ctx.hash = rng.next();
    }
    if (i == 2500) {
      b[4]->weight.store(7);  // hash: ring rebuilt in place
    }
    testing::set_in_flight(b[rng.below(kN)], static_cast<int64_t>(rng.below(6)), ctx.worker);
    if (auto idx = p->pick(ctx)) {
      p->observe(*idx, static_cast<int64_t>(rng.below(50'000'000)), ctx.now_ns);
    }
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto* f : all_policies()) {
    out.emplace_back(f->name());
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Registered, NoAlloc, ::testing::ValuesIn(names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mcplb::balance
