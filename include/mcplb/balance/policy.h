#pragma once
// The balancing interface. A Policy places a request (or a NEW session) on one backend of a
// pool; it never checks health itself: the caller says which backends are acceptable.
// One Policy instance per worker, so cursors need no atomics; load that must be seen across
// workers (in-flight requests, live sessions) is read from pool::Backend.

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
  std::optional<uint64_t> hash;  // key hash for hash/ip_hash (hash64); unset: no key found
  size_t worker = 0;             // index of the calling worker (for per-worker stats)
  int64_t now_ns = 0;            // steady clock, for slow start and latency decay
  // The request creates an MCP session (initialize without a session, old-transport GET on
  // the SSE path). Only least_sessions looks at it.
  bool new_session = false;

  bool ok(size_t i) const { return acceptable == nullptr || acceptable(acceptable_arg, i); }
};

class PolicyFactory;

/// Per-pool knobs (config: pools[].policy); each policy reads only its own.
struct PolicyOptions {
  double balance_factor = 1.25;  // hash, ip_hash: no backend above factor x mean load; 0 = off
  bool ewma = true;              // least_request: score by peak-EWMA latency too
  int64_t decay_ns = 10'000'000'000;         // least_request: EWMA time constant
  const PolicyFactory* fallback = nullptr;   // hash: used when a request has no key
  uint64_t seed = 0;  // random, least_request: mixed with the worker index (tests fix it)
};

class Policy {
 public:
  virtual ~Policy() = default;
  /// @return index into the pool's backends, or nullopt when no acceptable backend exists.
  virtual std::optional<size_t> pick(const PickContext& ctx) = 0;
  /// The response head from backend `index` arrived `latency_ns` after the request was sent.
  virtual void observe(size_t /*index*/, int64_t /*latency_ns*/, int64_t /*now_ns*/) {}
  /// True when pick() already added the new session to Backend::sessions (least_sessions
  /// claims it atomically); otherwise the caller adds it after the pick.
  virtual bool claims_sessions() const { return false; }
};

class PolicyFactory {
 public:
  virtual ~PolicyFactory() = default;
  virtual std::string_view name() const = 0;
  /// Builds one worker's policy over `backends` (order is the pool's configured order).
  virtual std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                        const PolicyOptions& options) const = 0;
};

/// Looks a factory up by its config name; nullptr when unknown.
const PolicyFactory* find_policy(std::string_view name);

/// The stable 64-bit hash of a key (same value in every process and replica), for
/// PickContext::hash.
uint64_t hash64(std::string_view key);

}  // namespace mcplb::balance
