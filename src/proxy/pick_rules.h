#pragma once
// Which backends a request may go to, shared by the pick (connection.cc) and the overload
// queue (connection_overload.cc).

#include <atomic>
#include <cstdint>

#include "mcplb/pool/backend.h"
#include "proxy/topology.h"

namespace mcplb::proxy {

/// Below the pool's overload.max_in_flight (0 = no limit).
inline bool below_limit(const pool::Backend& b, int64_t limit) {
  return limit == 0 || b.limited.load(std::memory_order_relaxed) < limit;
}

/// No backend of the pool takes requests now (panic mode, and no point in queueing).
inline bool none_ready(const PoolRt& pool, int64_t now_ns) {
  for (const auto& b : pool.backends) {
    if (b->ready(now_ns)) {
      return false;
    }
  }
  return true;
}

}  // namespace mcplb::proxy
