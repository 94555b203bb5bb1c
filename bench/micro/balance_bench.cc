// Pick cost of every balancing policy, with 3 and 100 backends, all acceptable (through the
// same function-pointer filter the proxy installs), BackendStats with 2 worker slots and
// uneven in-flight counts. Hash policies get a different key on every pick.
//
//   ninja -C build balance_bench && build/src/balance/balance_bench

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "balance/detail.h"
#include "balance/hash_ring.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

constexpr size_t kWorkers = 2;

struct Fixture {
  std::vector<pool::BackendPtr> backends;
  std::vector<char> ok;
  std::vector<uint64_t> keys;

  explicit Fixture(size_t n) : ok(n, 1) {
    detail::Rng rng(1);
    rng.start(0);
    for (size_t i = 0; i < n; ++i) {
      auto b = std::make_shared<pool::Backend>();
      b->name = "backend-" + std::to_string(i);
      b->weight.store(static_cast<uint32_t>(1 + i % 3));
      b->stats = std::make_unique<pool::BackendStats>(kWorkers);
      for (size_t w = 0; w < kWorkers; ++w) {
        b->stats->slot(w).in_flight.store(static_cast<int64_t>(rng.below(8)));
      }
      backends.push_back(std::move(b));
    }
    for (size_t k = 0; k < 4096; ++k) {
      keys.push_back(hash64("user-" + std::to_string(k)));
    }
  }

  PickContext context() const {
    PickContext ctx;
    ctx.acceptable_arg = &ok;
    ctx.acceptable = [](const void* arg, size_t i) {
      return (*static_cast<const std::vector<char>*>(arg))[i] != 0;
    };
    ctx.now_ns = 1'000'000'000;
    return ctx;
  }
};

enum class Mode { plain, keyed, new_session };

void run(benchmark::State& state, const char* name, Mode mode) {
  const auto n = static_cast<size_t>(state.range(0));
  Fixture f(n);
  PolicyOptions o;
  o.seed = 42;
  auto p = find_policy(name)->build(f.backends, o);
  PickContext ctx = f.context();
  ctx.new_session = mode == Mode::new_session;
  // Give least_request a latency estimate per backend, as a running proxy would have.
  for (size_t i = 0; i < n; ++i) {
    p->observe(i, static_cast<int64_t>(1'000'000 + 10'000 * i), ctx.now_ns);
  }
  size_t k = 0;
  for (auto _ : state) {
    if (mode == Mode::keyed) {
      ctx.hash = f.keys[k++ & 4095];
    }
    benchmark::DoNotOptimize(p->pick(ctx));
  }
}

#define MCPLB_PICK_BENCH(fn, policy, mode)                         \
  void fn(benchmark::State& s) { run(s, policy, mode); }          \
  BENCHMARK(fn)->Arg(3)->Arg(100)

MCPLB_PICK_BENCH(round_robin, "round_robin", Mode::plain);
MCPLB_PICK_BENCH(weighted_round_robin, "weighted_round_robin", Mode::plain);
MCPLB_PICK_BENCH(random, "random", Mode::plain);
MCPLB_PICK_BENCH(least_conn, "least_conn", Mode::plain);
MCPLB_PICK_BENCH(least_request, "least_request", Mode::plain);
MCPLB_PICK_BENCH(least_sessions_new, "least_sessions", Mode::new_session);
MCPLB_PICK_BENCH(least_sessions_stateless, "least_sessions", Mode::plain);
MCPLB_PICK_BENCH(hash, "hash", Mode::keyed);
MCPLB_PICK_BENCH(ip_hash, "ip_hash", Mode::keyed);
MCPLB_PICK_BENCH(hash_no_key_fallback, "hash", Mode::plain);

// hash with the load bound off: the walk alone, without the pass over the pool's load.
void hash_unbounded(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  Fixture f(n);
  PolicyOptions o;
  o.balance_factor = 0;
  auto p = find_policy("hash")->build(f.backends, o);
  PickContext ctx = f.context();
  size_t k = 0;
  for (auto _ : state) {
    ctx.hash = f.keys[k++ & 4095];
    benchmark::DoNotOptimize(p->pick(ctx));
  }
}
BENCHMARK(hash_unbounded)->Arg(3)->Arg(100);

// hash on an idle pool: the first choice has nothing in flight, so the load pass is skipped.
void hash_idle_pool(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  Fixture f(n);
  for (auto& b : f.backends) {
    for (size_t w = 0; w < kWorkers; ++w) {
      b->stats->slot(w).in_flight.store(0);
    }
  }
  auto p = find_policy("hash")->build(f.backends, PolicyOptions{});
  PickContext ctx = f.context();
  size_t k = 0;
  for (auto _ : state) {
    ctx.hash = f.keys[k++ & 4095];
    benchmark::DoNotOptimize(p->pick(ctx));
  }
}
BENCHMARK(hash_idle_pool)->Arg(3)->Arg(100);

// What a worker pays once after an admin weight change on a hash pool.
void hash_ring_rebuild(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  Fixture f(n);
  HashRing ring(f.backends);
  std::vector<uint32_t> weights(n, 2);
  for (auto _ : state) {
    weights[0] ^= 1;
    ring.rebuild(f.backends, weights);
    benchmark::DoNotOptimize(ring.size());
  }
  state.SetLabel("per rebuild");
}
BENCHMARK(hash_ring_rebuild)->Arg(3)->Arg(100)->Unit(benchmark::kMicrosecond);

void hash64_key(benchmark::State& state) {
  std::string key = "3f2c1a9e-5b7d-4c1e-9a2b-8d7e6f5a4b3c";  // a session-sized key
  for (auto _ : state) {
    benchmark::DoNotOptimize(hash64(key));
  }
}
BENCHMARK(hash64_key);

}  // namespace
}  // namespace mcplb::balance

BENCHMARK_MAIN();
