#pragma once
// Small pieces shared by the policy files: clamped weights and load, a per-worker PRNG.
// Everything here runs on the picking worker's thread and never allocates.

#include <algorithm>
#include <cstdint>
#include <random>

#include "mcplb/pool/backend.h"

namespace mcplb::balance::detail {

/// effective_weight() clamped to >= 1 unit. Config keeps weights in 1..1000, but an admin
/// API may still publish 0; a zero would make cross-multiplied comparisons claim that a
/// backend with any load ties with an idle one, and would make weight sums zero.
inline uint64_t weight_of(const pool::Backend& b, int64_t now_ns) {
  return std::max<uint64_t>(pool::effective_weight(b, now_ns), 1);
}

/// In-flight requests over all workers; the per-slot sums may be briefly negative while a
/// worker's increment and another's decrement race, and a negative load would win every
/// comparison.
inline uint64_t in_flight_of(const pool::Backend& b) {
  return static_cast<uint64_t>(std::max<int64_t>(b.stats->in_flight(), 0));
}

/// SplitMix64 (Steele et al.): passes BigCrush, one multiply-xorshift chain per draw, 8 bytes
/// of state, and doubles as the seed mixer. Balancing needs speed and no bias, not secrecy.
class Rng {
 public:
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Called at build(): seed 0 (the production default) takes fresh entropy so replicas and
  /// pools differ; a fixed seed makes tests repeatable.
  explicit Rng(uint64_t seed = 0) {
    if (seed == 0) {
      std::random_device rd;
      seed = (uint64_t{rd()} << 32) | rd();
    }
    base_ = seed;
  }

  /// Called on the first pick, when the worker index is known: workers draw different
  /// sequences from the same configured seed.
  void start(size_t worker) { state_ = mix(base_ ^ mix(0x9e3779b97f4a7c15ULL + worker)); }

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }

  /// Uniform in [0, n) by Lemire's multiply-shift; the bias (n / 2^64) is far below noise.
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  /// Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t base_ = 0;
  uint64_t state_ = 0;
};

}  // namespace mcplb::balance::detail
