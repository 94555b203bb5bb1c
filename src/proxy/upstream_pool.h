#pragma once
// Per-worker keep-alive connections to one backend (nginx `keepalive`): LIFO so the warmest
// connection is reused, bounded by max_idle, retired after max_requests or idle_timeout.
// Worker-thread only; no locks.

#include <chrono>
#include <memory>
#include <vector>

#include "config/model.h"
#include "mcplb/pool/backend.h"
#include "net/asio.h"

namespace mcplb::proxy {

using Clock = std::chrono::steady_clock;

struct UpstreamConn {
  explicit UpstreamConn(net::Executor ex) : sock(ex) {}
  net::Socket sock;
  uint32_t requests = 0;
  bool reused = false;  // came from the idle pool (may have been closed by the backend)
  Clock::time_point idle_since{};
};

class UpstreamPool {
 public:
  UpstreamPool(const config::Keepalive& ka, pool::WorkerSlot& slot) : ka_(ka), slot_(&slot) {}

  /// An idle connection still within its limits, or nullptr.
  std::unique_ptr<UpstreamConn> take(Clock::time_point now);

  /// Keeps `c` for reuse when allowed, else closes it.
  void put_back(std::unique_ptr<UpstreamConn> c, Clock::time_point now);

  /// Closes a connection that will not be reused (keeps the gauge right).
  void discard(std::unique_ptr<UpstreamConn> c);

  void on_connected() { pool::bump(slot_->active_conns, int64_t{1}); }

  /// Closes idle connections past idle_timeout (called from the worker tick).
  void expire(Clock::time_point now);
  void close_all();

 private:
  const config::Keepalive& ka_;
  pool::WorkerSlot* slot_;
  std::vector<std::unique_ptr<UpstreamConn>> idle_;
};

}  // namespace mcplb::proxy
