#pragma once
// The consistent-hash ring shared by the `hash` and `ip_hash` policies (they differ only in
// what the caller hashes), and the bounded-load policy built on it.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "mcplb/balance/policy.h"

namespace mcplb::balance {

/// A ring of virtual nodes: each backend owns points in proportion to its configured weight.
/// A point's position is derived from the backend's NAME (XXH3 seeded with the point number),
/// never from its index, so adding or removing one backend leaves every other backend's
/// points, and thus every key not on the changed backend, where they were; and two mcplb
/// replicas with the same pool build the same ring. Backend names must be unique in a pool.
class HashRing {
 public:
  /// About this many points in all, split by weight. Placement error per backend is
  /// ~(1/N)/sqrt(points per backend) in absolute share, so a fixed total keeps it under 1%
  /// even at N = 2 (8192 points each) and it only shrinks as N grows; the ring stays at
  /// ~128 KiB (8-byte entries) and a lookup at ~14 binary-search steps.
  static constexpr size_t kTotalPoints = 16384;

  /// Builds from the backends' current weights and keeps the storage for rebuilds.
  explicit HashRing(std::span<const pool::BackendPtr> backends);

  /// Rebuilds from `weights` (one per backend, same order) into the existing storage.
  void rebuild(std::span<const pool::BackendPtr> backends, std::span<const uint32_t> weights);

  /// Position of the first point at or clockwise after the key's hash: the bucket table
  /// narrows the search to ~4 entries, instead of ~14 dependent steps over 128 KiB.
  size_t find(uint64_t hash) const;
  size_t size() const { return entries_.size(); }
  /// Backend index owning point `pos` (0 <= pos < size()).
  uint32_t owner(size_t pos) const { return static_cast<uint32_t>(entries_[pos]); }
  /// Ring position of point `pos` (compared with a key hash's top 32 bits).
  uint32_t position(size_t pos) const { return static_cast<uint32_t>(entries_[pos] >> 32); }

 private:
  void sort_into_buckets();

  // (position << 32) | backend index, sorted: one array for search and owner lookup, and
  // equal positions (rare 32-bit collisions) order by index, the same in every replica.
  std::vector<uint64_t> entries_;
  // bucket_[b] = first entry whose position's top kBucketBits bits are >= b; the last slot
  // is entries_.size(). 16 KiB, sized once.
  static constexpr unsigned kBucketBits = 12;
  std::vector<uint32_t> bucket_;
  std::vector<uint32_t> next_;  // sort_into_buckets() cursors, kept to rebuild without allocating
};

/// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2016; HAProxy
/// hash-balance-factor, Envoy hash_balance_factor) over a HashRing. `options.fallback`
/// places requests without a key (nullptr, hash or ip_hash: round_robin).
std::unique_ptr<Policy> make_consistent_hash(std::span<const pool::BackendPtr> backends,
                                             const PolicyOptions& options);

}  // namespace mcplb::balance
