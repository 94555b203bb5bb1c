// Consistent hashing with bounded loads, shared by `hash` and `ip_hash`.
//
// Look-up: find the key's position on the ring and walk clockwise. Backends the caller
// rejects are passed over, which is what keeps all other keys in place when one backend goes
// down: only its own keys move, each to the next backend on its walk. With a balance factor
// c > 0 a backend is also passed over when taking the request would put it above its share
// of c x the pool's load:  in_flight + 1 > ceil(c x (total + 1) x w / W), summed over the
// acceptable backends (w its effective weight, W their sum; with equal weights this is the
// paper's ceil(c x (total + 1) / n)). The caps add up to at least c x (total + 1) > total,
// so for c >= 1 some backend always has room; for c < 1, or if all are full, the first
// acceptable backend on the walk takes it. A hot key thus spills to its ring successors
// instead of melting one backend, and cold keys keep their place.
//
// Runtime weight changes: the ring is built from configured weights at build(). Each pick
// compares ONE backend's current weight with the weight the ring was built from, rotating
// through the pool, so a change (admin API) is noticed within N picks for the price of one
// relaxed load. The ring is then rebuilt in place, in its own storage (no allocation):
// ~16k hashes and a bucket sort, ~0.35 ms, paid by one request per worker per change. A
// control plane that republishes the topology on weight changes never hits it.
// Slow start does not reshape the ring (it would move keys twice); it acts through the
// load caps, which use effective weights, so a ramping backend takes a ramping load.

#include "balance/hash_ring.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "balance/detail.h"
#include "balance/registry.h"

namespace mcplb::balance {

HashRing::HashRing(std::span<const pool::BackendPtr> backends)
    : bucket_((size_t{1} << kBucketBits) + 1, 0), next_(size_t{1} << kBucketBits, 0) {
  std::vector<uint32_t> weights;
  weights.reserve(backends.size());
  for (const auto& b : backends) {
    weights.push_back(b->weight.load(std::memory_order_relaxed));
  }
  // Rounding and the one-point minimum add at most 2 points per backend: reserve them so
  // rebuilds after a weight change fit in this storage.
  entries_.reserve(kTotalPoints + 2 * backends.size());
  rebuild(backends, weights);
}

void HashRing::rebuild(std::span<const pool::BackendPtr> backends,
                       std::span<const uint32_t> weights) {
  entries_.clear();
  uint64_t total_weight = 0;
  for (uint32_t w : weights) {
    total_weight += std::max<uint32_t>(w, 1);
  }
  for (size_t i = 0; i < backends.size(); ++i) {
    uint64_t w = std::max<uint32_t>(weights[i], 1);
    // Round to nearest, at least one point so every backend is reachable.
    uint64_t points = std::max<uint64_t>((kTotalPoints * w + total_weight / 2) / total_weight, 1);
    const std::string& name = backends[i]->name;
    for (uint64_t k = 0; k < points; ++k) {
      uint64_t pos = XXH3_64bits_withSeed(name.data(), name.size(), k) >> 32;
      entries_.push_back((pos << 32) | i);
    }
  }
  sort_into_buckets();
}

// Positions are uniform hashes, so an in-place bucket sort by the top kBucketBits bits
// (American flag sort) leaves ~4 entries per bucket for an insertion sort: O(n), in place,
// and ~3x faster than std::sort here (whose cost is branch mispredictions on random keys).
// It also produces bucket_, the look-up table find() uses.
void HashRing::sort_into_buckets() {
  constexpr unsigned kShift = 64 - kBucketBits;
  const size_t buckets = bucket_.size() - 1;
  std::fill(bucket_.begin(), bucket_.end(), 0);
  for (uint64_t e : entries_) {
    ++bucket_[(e >> kShift) + 1];
  }
  for (size_t b = 0; b < buckets; ++b) {
    bucket_[b + 1] += bucket_[b];
  }
  std::copy(bucket_.begin(), bucket_.end() - 1, next_.begin());
  for (size_t b = 0; b < buckets; ++b) {
    // Every swap sends one entry to its final bucket, so this ends after <= n swaps.
    while (next_[b] < bucket_[b + 1]) {
      uint64_t e = entries_[next_[b]];
      size_t d = e >> kShift;
      if (d == b) {
        ++next_[b];
      } else {
        std::swap(entries_[next_[b]], entries_[next_[d]++]);
      }
    }
  }
  for (size_t b = 0; b < buckets; ++b) {
    auto first = entries_.begin() + bucket_[b];
    auto last = entries_.begin() + bucket_[b + 1];
    for (auto it = first + (first == last ? 0 : 1); it < last; ++it) {
      uint64_t v = *it;
      auto hole = it;
      for (; hole > first && *(hole - 1) > v; --hole) {
        *hole = *(hole - 1);
      }
      *hole = v;
    }
  }
}

size_t HashRing::find(uint64_t hash) const {
  uint64_t key = (hash >> 32) << 32;
  size_t b = hash >> (64 - kBucketBits);
  auto first = entries_.begin() + bucket_[b];
  auto last = entries_.begin() + bucket_[b + 1];
  // Not in this bucket: the answer is the next bucket's first entry, which is `last`.
  auto it = std::lower_bound(first, last, key);
  return it == entries_.end() ? 0 : static_cast<size_t>(it - entries_.begin());
}

namespace {

class ConsistentHash final : public Policy {
 public:
  ConsistentHash(std::span<const pool::BackendPtr> backends, const PolicyOptions& options)
      : backends_(backends.begin(), backends.end()),
        ring_(backends),
        factor_(options.balance_factor),
        ring_weights_(backends.size()),
        load_(backends.size(), 0),
        weight_(backends.size(), 0),
        seen_(backends.size(), 0) {
    for (size_t i = 0; i < backends.size(); ++i) {
      ring_weights_[i] = backends[i]->weight.load(std::memory_order_relaxed);
    }
    const PolicyFactory* fb = options.fallback;
    if (fb == nullptr || fb == &hash_factory() || fb == &ip_hash_factory()) {
      fb = &round_robin_factory();  // a keyless request cannot be hashed a second time
    }
    PolicyOptions sub = options;
    sub.fallback = nullptr;
    fallback_ = fb->build(backends, sub);
  }

  // Mirrors the fallback so the caller's session accounting stays right on both paths: when
  // the fallback claims sessions (least_sessions), keyed placements claim theirs too.
  bool claims_sessions() const override { return fallback_->claims_sessions(); }

  std::optional<size_t> pick(const PickContext& ctx) override {
    if (!ctx.hash.has_value()) {
      return fallback_->pick(ctx);
    }
    const size_t n = backends_.size();
    if (n == 0) {
      return std::nullopt;
    }
    check_weights();
    auto chosen = factor_ > 0 ? walk_bounded(ctx) : walk(ctx);
    if (chosen && ctx.new_session && claims_sessions()) {
      backends_[*chosen]->sessions.fetch_add(1, std::memory_order_acq_rel);
    }
    return chosen;
  }

  void observe(size_t index, int64_t latency_ns, int64_t now_ns) override {
    fallback_->observe(index, latency_ns, now_ns);
  }

 private:
  void check_weights() {
    uint32_t w = backends_[check_]->weight.load(std::memory_order_relaxed);
    if (w != ring_weights_[check_]) {
      for (size_t i = 0; i < backends_.size(); ++i) {
        ring_weights_[i] = backends_[i]->weight.load(std::memory_order_relaxed);
      }
      ring_.rebuild(backends_, ring_weights_);
    }
    check_ = check_ + 1 == backends_.size() ? 0 : check_ + 1;
  }

  // Starts a walk: a fresh epoch marks every backend unvisited without clearing seen_.
  void next_epoch() {
    if (++epoch_ == 0) {
      std::fill(seen_.begin(), seen_.end(), 0);
      epoch_ = 1;
    }
  }

  // The walk visits each backend once, in ring order from the key, calling `take` on each
  // first visit until it accepts one; at most n distinct backends, at most one lap.
  template <class Take>
  std::optional<size_t> visit(uint64_t hash, Take take) {
    next_epoch();
    const size_t n = backends_.size();
    const size_t points = ring_.size();
    size_t pos = ring_.find(hash);
    size_t distinct = 0;
    for (size_t step = 0; step < points && distinct < n; ++step) {
      uint32_t o = ring_.owner(pos);
      pos = pos + 1 == points ? 0 : pos + 1;
      if (seen_[o] == epoch_) {
        continue;
      }
      seen_[o] = epoch_;
      ++distinct;
      if (take(o)) {
        return o;
      }
    }
    return std::nullopt;
  }

  std::optional<size_t> walk(const PickContext& ctx) {
    return visit(*ctx.hash, [&](size_t o) { return ctx.ok(o); });
  }

  std::optional<size_t> walk_bounded(const PickContext& ctx) {
    const size_t n = backends_.size();
    // Fast path: an idle first choice is always within its cap (load + 1 = 1 <= any cap,
    // which is a ceiling of a positive number), so a lightly loaded pool never pays for the
    // pass over every backend's load below.
    bool totals = false;
    double per_weight = 0;
    size_t first = n;
    auto chosen = visit(*ctx.hash, [&](size_t o) {
      if (!totals) {
        if (!ctx.ok(o)) {
          return false;
        }
        if (detail::in_flight_of(*backends_[o]) == 0) {
          return true;
        }
        totals = true;
        per_weight = load_pass(ctx);
      }
      if (weight_[o] == 0) {
        return false;
      }
      if (first == n) {
        first = o;
      }
      double cap = std::ceil(per_weight * static_cast<double>(weight_[o]));
      return static_cast<double>(load_[o] + 1) <= cap;
    });
    if (!chosen && first != n) {
      return first;
    }
    return chosen;
  }

  // Reads every acceptable backend's load and weight once (the caps need the pool's total);
  // returns the cap per unit of weight, c x (total + 1) / W.
  double load_pass(const PickContext& ctx) {
    uint64_t total = 0;
    uint64_t total_weight = 0;
    for (size_t i = 0; i < backends_.size(); ++i) {
      weight_[i] = 0;
      if (ctx.ok(i)) {
        load_[i] = detail::in_flight_of(*backends_[i]);
        weight_[i] = detail::weight_of(*backends_[i], ctx.now_ns);
        total += load_[i];
        total_weight += weight_[i];
      }
    }
    // total_weight > 0: the caller found an acceptable backend (weights are >= 1).
    return factor_ * static_cast<double>(total + 1) / static_cast<double>(total_weight);
  }

  std::vector<pool::BackendPtr> backends_;
  HashRing ring_;
  double factor_;
  std::unique_ptr<Policy> fallback_;
  std::vector<uint32_t> ring_weights_;  // the weights ring_ was built from
  size_t check_ = 0;                    // next backend whose weight check_weights() reads
  std::vector<uint64_t> load_;          // scratch: in-flight per acceptable backend
  std::vector<uint64_t> weight_;        // scratch: effective weight, 0 when rejected
  std::vector<uint32_t> seen_;          // epoch of the last walk that visited each backend
  uint32_t epoch_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_consistent_hash(std::span<const pool::BackendPtr> backends,
                                             const PolicyOptions& options) {
  return std::make_unique<ConsistentHash>(backends, options);
}

}  // namespace mcplb::balance
