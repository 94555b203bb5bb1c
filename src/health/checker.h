#pragma once
// The active health checker: ONE per process, on its own thread with its own io_context.
// Every target is probed on its own schedule (a coroutine per target, probes of different
// backends run concurrently); a Tracker per target applies the thresholds, and only a flip
// is written into the shared pool::Backend (state, up_since_ns), which workers read on
// every pick. Workers never wait on the checker.
//
// Start-up: a backend counts as healthy until proven otherwise (mcplb serves at once), unless
// its Backend::state is already `unhealthy` (e.g. carried over by a reload): then it needs
// healthy_threshold successes. A `draining` state is never overwritten; its health is still
// tracked and reported.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "health/probe_spec.h"
#include "health/tracker.h"
#include "mcplb/pool/backend.h"
#include "net/asio.h"

namespace mcplb::health {

class ReplyReader;

using Clock = std::chrono::steady_clock;

/// One backend to probe.
struct Target {
  pool::BackendPtr backend;
  net::tcp::endpoint endpoint;             // resolved; the checker does no DNS
  std::shared_ptr<const ProbeSpec> spec;   // usually shared by a pool's targets
  std::string pool;                        // for logs and metrics
};

/// One probe's outcome, after the thresholds were applied.
struct ProbeEvent {
  const Target& target;
  bool ok;
  std::string_view detail;  // the reason on failure ("connect refused"); what passed otherwise
  Clock::duration took;
  Health health;            // after this probe
};

/// A health flip: the tracker crossed a threshold.
struct Transition {
  const Target& target;
  Health from;
  Health to;
  std::string_view reason;  // "3 consecutive failures, last: connect refused"
  bool state_written;       // false when the backend is draining (its state was kept)
};

/// Callbacks run on the checker thread, after the Backend was written; they must be quick and
/// must not call Checker::stop().
struct Observer {
  std::function<void(const ProbeEvent&)> on_probe;
  std::function<void(const Transition&)> on_transition;
};

/// A snapshot of one target, for the admin API and for whoever undrains a backend (it should
/// restore `health`, not assume healthy).
struct TargetStatus {
  std::string backend;
  std::string pool;
  Health health = Health::healthy;
  unsigned consecutive_successes = 0;
  unsigned consecutive_failures = 0;
  uint64_t probes = 0;
  uint64_t failed_probes = 0;
  std::string last_detail;
};

/// Nanoseconds since the steady clock's epoch: the unit of Backend::up_since_ns.
int64_t steady_now_ns();

class Checker {
 public:
  using Target = health::Target;

  /// @param targets every spec must pass validate() (else std::invalid_argument) and every
  ///        backend must be non-null.
  explicit Checker(std::vector<Target> targets, Observer observer = {});
  /// Stops (and joins) if still running.
  ~Checker();
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  /// Starts the thread; the first probe of each target comes after a random offset within
  /// interval x jitter. Call once.
  void start();
  /// Cancels pending waits and in-flight probes (their results are dropped) and joins the
  /// thread; prompt whatever the timeouts. Idempotent. Never from the checker thread.
  void stop();

  /// Thread-safe snapshot, in target order.
  std::vector<TargetStatus> status() const;
  /// Thread-safe: the checker's view of `backend`, or nullopt if it is not a target.
  std::optional<Health> health_of(const pool::Backend& backend) const;

 private:
  struct Slot;
  net::Task<void> run(Slot& slot);
  net::Task<void> probe_once(Slot& slot);
  void apply(Slot& slot, bool ok, std::string detail, Clock::duration took);
  Clock::duration next_delay(const Slot& slot);
  Clock::duration jittered(Clock::duration base, double jitter);
  void stop_on_thread();

  net::asio::io_context io_{1};
  std::vector<std::unique_ptr<Slot>> slots_;
  Observer observer_;
  std::unique_ptr<ReplyReader> json_;  // checker thread only
  std::mt19937_64 rng_;                // checker thread only
  bool stopping_ = false;              // checker thread only
  bool started_ = false;
  std::thread thread_;
};

}  // namespace mcplb::health
