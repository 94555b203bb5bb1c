#pragma once
// The balancing interface. A Policy places a request (or a NEW session) on one backend of a
// pool; it never checks health itself: the caller says which backends are acceptable.
// One Policy instance per worker, so cursors need no atomics.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "mcplb/pool/backend.h"

namespace mcplb::balance {

/// What a pick may read. `acceptable(i)` is false for backends that are not ready or were
/// already tried for this request.
struct PickContext {
  const void* acceptable_arg = nullptr;
  bool (*acceptable)(const void* arg, size_t index) = nullptr;
  std::optional<uint64_t> hash;  // for hash-based policies; unset when no key was found
  size_t worker = 0;             // index of the calling worker (for per-worker stats)

  bool ok(size_t i) const { return acceptable == nullptr || acceptable(acceptable_arg, i); }
};

class Policy {
 public:
  virtual ~Policy() = default;
  /// @return index into the pool's backends, or nullopt when no acceptable backend exists.
  virtual std::optional<size_t> pick(const PickContext& ctx) = 0;
};

class PolicyFactory {
 public:
  virtual ~PolicyFactory() = default;
  virtual std::string_view name() const = 0;
  /// Builds one worker's policy over `backends` (order is the pool's configured order).
  virtual std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends) const = 0;
};

/// Looks a factory up by its config name; nullptr when unknown.
const PolicyFactory* find_policy(std::string_view name);

}  // namespace mcplb::balance
