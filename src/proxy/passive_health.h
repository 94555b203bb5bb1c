#pragma once
// Passive health: what real traffic says about a backend. Two rules, both from the pool's
// health.passive config, both writing Backend::ejected_until_ns (shared by all workers):
//  - nginx max_fails / fail_timeout: max_fails failures within fail_timeout take the backend
//    out for fail_timeout;
//  - Envoy-style outlier ejection: consecutive_errors failed exchanges or 502/503/504 in a row
//    eject it for base_ejection_time x (times ejected in a row), capped at max_ejection_time.
// Neither ejects more than max_ejection_percent of a pool at once. Failures are rare, so they
// may use atomic read-modify-writes; a success only reads unless an error streak is open.

#include <cstdint>
#include <string_view>

#include "proxy/topology.h"

namespace mcplb::proxy {

/// A failed exchange with `backend` (connect, send, read, timeout, malformed, or a gateway
/// status). `what` says which, for the log line.
void record_failure(const PoolRt& pool, size_t backend, int64_t now_ns, std::string_view what);

/// A response head that is not a gateway error: ends the backend's error streak.
inline void record_success(const PoolRt& pool, size_t backend) {
  auto& b = *pool.backends[backend];
  if (b.consecutive_errors.load(std::memory_order_relaxed) != 0) {
    b.consecutive_errors.store(0, std::memory_order_relaxed);
  }
}

/// True for statuses that mean "the backend (or what is behind it) failed", not "the request
/// was wrong": they count toward outlier ejection.
inline bool is_gateway_error(unsigned status) {
  return status == 502 || status == 503 || status == 504;
}

/// Called on one worker's tick: logs backends whose ejection ended (once each).
void log_returns(const PoolRt& pool, int64_t now_ns);

}  // namespace mcplb::proxy
