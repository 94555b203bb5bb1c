#pragma once
// A backend as every module sees it: identity, weight, state and load counters.
// Counters are written by workers without locks: each worker owns one slot (single writer,
// relaxed atomics compile to plain loads/stores), readers sum the slots.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mcplb::pool {

enum class BackendState : uint8_t { healthy, unhealthy, draining };

inline const char* to_string(BackendState s) {
  switch (s) {
    case BackendState::healthy: return "healthy";
    case BackendState::unhealthy: return "unhealthy";
    case BackendState::draining: return "draining";
  }
  return "unknown";
}

/// One worker's view of a backend's load. Cache-line sized so workers never share a line.
struct alignas(64) WorkerSlot {
  std::atomic<uint64_t> requests{0};        // requests sent to this backend
  std::atomic<uint64_t> failures{0};        // connect/read failures and timeouts
  std::atomic<int64_t> active_conns{0};     // upstream connections open (idle + busy)
  std::atomic<int64_t> in_flight{0};        // requests waiting for or streaming a response
  std::atomic<int64_t> streams{0};          // text/event-stream responses open now
  std::atomic<uint64_t> retries{0};         // requests retried away from this backend
  std::atomic<uint64_t> failovers{0};       // sessions moved away from this backend
  std::atomic<uint64_t> rejected{0};        // 503 because the backend was at max_in_flight
};

/// Add `d` to a counter this thread alone writes (no lock prefix on the hot path).
template <class T>
inline void bump(std::atomic<T>& c, T d = 1) {
  c.store(c.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
}

class BackendStats {
 public:
  explicit BackendStats(size_t workers) : slots_(workers) {}
  WorkerSlot& slot(size_t worker) { return slots_[worker]; }
  uint64_t requests() const { return sum(&WorkerSlot::requests); }
  uint64_t failures() const { return sum(&WorkerSlot::failures); }
  int64_t active_conns() const { return sum(&WorkerSlot::active_conns); }
  int64_t in_flight() const { return sum(&WorkerSlot::in_flight); }
  int64_t streams() const { return sum(&WorkerSlot::streams); }
  uint64_t retries() const { return sum(&WorkerSlot::retries); }
  uint64_t failovers() const { return sum(&WorkerSlot::failovers); }
  uint64_t rejected() const { return sum(&WorkerSlot::rejected); }

 private:
  template <class T>
  T sum(std::atomic<T> WorkerSlot::*m) const {
    T total = 0;
    for (const auto& s : slots_) {
      total += (s.*m).load(std::memory_order_relaxed);
    }
    return total;
  }
  std::vector<WorkerSlot> slots_;
};

/// Immutable identity plus shared mutable state (state, weight, counters).
struct Backend {
  std::string name;
  std::string address;  // "127.0.0.1:3001", for logs and status
  // Configured weight (1..1000); the admin API may change it at runtime, so policies read it
  // on every pick instead of caching it.
  std::atomic<uint32_t> weight{1};
  std::atomic<BackendState> state{BackendState::healthy};
  // Steady-clock ns at which the backend last became healthy; 0 = up since start (no ramp).
  std::atomic<int64_t> up_since_ns{0};
  int64_t slow_start_ns = 0;  // the pool's slow_start; 0 = off
  // Live MCP sessions placed here: +1 when a session-creating request is dispatched, -1 when
  // it created none or the session was deleted. Shared (not per worker) so least_sessions can
  // claim a slot with one compare-exchange; it changes once per session, not per request.
  std::atomic<int64_t> sessions{0};
  // Requests counted against the pool's overload.max_in_flight (only when it is set): shared,
  // so the limit holds across workers.
  std::atomic<int64_t> limited{0};
  std::unique_ptr<BackendStats> stats;

  // Passive health (proxy/passive_health): written only when an exchange fails or after one
  // failed, so the request path normally only reads ejected_until_ns.
  std::atomic<int64_t> ejected_until_ns{0};  // out of rotation until then (steady ns)
  std::atomic<uint32_t> window_fails{0};      // max_fails count in the current window
  std::atomic<int64_t> window_start_ns{0};
  std::atomic<uint32_t> consecutive_errors{0};
  std::atomic<uint32_t> ejections{0};         // times ejected in a row (ejection time grows)
  std::atomic<uint64_t> ejections_total{0};   // every passive ejection since start (monotonic)
  std::atomic<int64_t> returned_ns{0};        // when the last ejection ended

  // Set with `draining`: after it, the backend's sessions are ended (or failed over) and its
  // open streams closed. 0 = not draining.
  std::atomic<int64_t> drain_deadline_ns{0};

  /// Takes new requests: healthy by the active checks and not ejected by the passive ones.
  bool ready(int64_t now_ns) const {
    return state.load(std::memory_order_relaxed) == BackendState::healthy &&
           ejected_until_ns.load(std::memory_order_relaxed) <= now_ns;
  }
};

/// Weight after slow start, in 1/1024 units: a backend that came up t ago (t < slow_start)
/// counts as weight x t / slow_start, never below 1 unit so it is not starved entirely.
inline uint64_t effective_weight(const Backend& b, int64_t now_ns) {
  uint64_t w = uint64_t{b.weight.load(std::memory_order_relaxed)} << 10;
  int64_t up = b.up_since_ns.load(std::memory_order_relaxed);
  if (b.slow_start_ns > 0 && up > 0 && now_ns - up < b.slow_start_ns) {
    // weight <= 1000 and slow_start <= 1 h (config limits) keep the product below 2^64.
    uint64_t elapsed = now_ns > up ? static_cast<uint64_t>(now_ns - up) : 0;
    w = w * elapsed / static_cast<uint64_t>(b.slow_start_ns);
    if (w == 0) {
      w = 1;
    }
  }
  return w;
}

using BackendPtr = std::shared_ptr<Backend>;

/// Puts `b` in draining: no new sessions or unpinned requests; existing sessions keep working
/// until now + timeout. @return false when it was draining already.
inline bool start_drain(Backend& b, int64_t now_ns, int64_t timeout_ns) {
  BackendState cur = b.state.load(std::memory_order_relaxed);
  do {
    if (cur == BackendState::draining) {
      return false;
    }
  } while (!b.state.compare_exchange_weak(cur, BackendState::draining, std::memory_order_relaxed));
  b.drain_deadline_ns.store(now_ns + timeout_ns, std::memory_order_relaxed);
  return true;
}

/// Ends a drain; `health` is what the active checks say now (healthy without checks).
inline void end_drain(Backend& b, BackendState health) {
  b.drain_deadline_ns.store(0, std::memory_order_relaxed);
  BackendState expected = BackendState::draining;
  b.state.compare_exchange_strong(expected, health, std::memory_order_relaxed);
}

/// Draining and past its deadline: its sessions and streams must end now.
inline bool drained_out(const Backend& b, int64_t now_ns) {
  int64_t deadline = b.drain_deadline_ns.load(std::memory_order_relaxed);
  return deadline != 0 && now_ns >= deadline &&
         b.state.load(std::memory_order_relaxed) == BackendState::draining;
}

/// drained_out() with the clock read only when the backend has a drain deadline: callers on
/// the request path hold a clock that may lag by a tick, and a deadline must hold exactly.
template <class NowNs>
inline bool drained_out_now(const Backend& b, NowNs&& now_ns) {
  return b.drain_deadline_ns.load(std::memory_order_relaxed) != 0 && drained_out(b, now_ns());
}

}  // namespace mcplb::pool
