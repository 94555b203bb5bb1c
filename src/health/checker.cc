#include "health/checker.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <mutex>
#include <stdexcept>

#include "health/jsonrpc_reply.h"
#include "health/probe.h"
#include "health/probe_client.h"

namespace mcplb::health {
namespace {

std::string endpoint_text(const net::tcp::endpoint& ep) {
  if (ep.address().is_v6()) {
    return fmt::format("[{}]:{}", ep.address().to_string(), ep.port());
  }
  return fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

Health initial_health(const pool::Backend& b) {
  return b.state.load(std::memory_order_relaxed) == pool::BackendState::unhealthy
             ? Health::unhealthy
             : Health::healthy;
}

/// Writes `h` unless the backend is draining (the drain owner decides then).
/// @return false when the state was kept.
bool write_state(pool::Backend& b, Health h) {
  const pool::BackendState want =
      h == Health::healthy ? pool::BackendState::healthy : pool::BackendState::unhealthy;
  pool::BackendState cur = b.state.load(std::memory_order_relaxed);
  while (cur != pool::BackendState::draining) {
    // A drain that lands between the load and the exchange makes it fail and is then kept.
    if (cur == want || b.state.compare_exchange_weak(cur, want, std::memory_order_release,
                                                     std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

}  // namespace

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

struct Checker::Slot {
  Slot(Target t, net::Executor ex)
      : target(std::move(t)),
        tracker(target.spec->healthy_threshold, target.spec->unhealthy_threshold,
                initial_health(*target.backend)),
        timer(ex),
        health(tracker.health()) {
    const pool::Backend& b = *target.backend;
    address = b.address.empty() ? endpoint_text(target.endpoint) : b.address;
    host = target.spec->host.empty() ? address : target.spec->host;
  }

  Target target;
  std::string address;  // for logs
  std::string host;     // Host header
  Tracker tracker;
  net::Timer timer;
  ProbeClient* active = nullptr;  // the probe in flight, for stop()

  // Mirrors for status(), read from other threads.
  std::atomic<Health> health;
  std::atomic<unsigned> successes{0};
  std::atomic<unsigned> failures{0};
  std::atomic<uint64_t> probes{0};
  std::atomic<uint64_t> failed{0};
  mutable std::mutex mu;
  std::string last_detail;  // guarded by mu
};

Checker::Checker(std::vector<Target> targets, Observer observer)
    : observer_(std::move(observer)),
      json_(std::make_unique<ReplyReader>()),
      rng_(std::random_device{}()) {
  slots_.reserve(targets.size());
  for (Target& t : targets) {
    if (!t.backend || !t.spec) {
      throw std::invalid_argument("health check target without backend or spec");
    }
    if (std::string err = validate(*t.spec); !err.empty()) {
      throw std::invalid_argument(
          fmt::format("backend {}: health check: {}", t.backend->name, err));
    }
    slots_.push_back(std::make_unique<Slot>(std::move(t), io_.get_executor()));
  }
}

Checker::~Checker() { stop(); }

void Checker::start() {
  if (started_) {
    return;
  }
  started_ = true;
  for (auto& s : slots_) {
    // run() catches what a probe throws; this only reports a bug in the loop itself.
    net::asio::co_spawn(io_.get_executor(), run(*s), [slot = s.get()](std::exception_ptr e) {
      if (!e) {
        return;
      }
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        spdlog::error("health checker: backend {} no longer probed: {}",
                      slot->target.backend->name, x.what());
      }
    });
  }
  spdlog::info("health checker: probing {} backend{}", slots_.size(),
               slots_.size() == 1 ? "" : "s");
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "mcplb-health");
    io_.run();
  });
}

void Checker::stop() {
  if (!thread_.joinable()) {
    return;
  }
  net::asio::post(io_, [this] { stop_on_thread(); });
  thread_.join();
}

void Checker::stop_on_thread() {
  stopping_ = true;
  for (auto& s : slots_) {
    s->timer.cancel();
    if (s->active != nullptr) {
      s->active->abort();
    }
  }
}

Clock::duration Checker::jittered(Clock::duration base, double jitter) {
  if (jitter <= 0.0) {
    return base;
  }
  std::uniform_real_distribution<double> spread(-jitter, jitter);
  return std::chrono::duration_cast<Clock::duration>(base * (1.0 + spread(rng_)));
}

Clock::duration Checker::next_delay(const Slot& s) {
  const ProbeSpec& spec = *s.target.spec;
  // HAProxy's fastinter: re-check soon while between states, so a flip needs about
  // (threshold - 1) x fast_recheck after the first changed result instead of intervals.
  const bool fast = s.tracker.transitioning() && spec.fast_recheck.count() > 0 &&
                    spec.fast_recheck < spec.interval;
  return jittered(fast ? Clock::duration(spec.fast_recheck) : Clock::duration(spec.interval),
                  spec.jitter);
}

net::Task<void> Checker::run(Slot& s) {
  const ProbeSpec& spec = *s.target.spec;
  // Spread the first probes over interval x jitter so many backends do not fire together.
  std::uniform_real_distribution<double> offset(0.0, spec.jitter);
  Clock::time_point next =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(spec.interval * offset(rng_));
  for (;;) {
    if (stopping_) {
      co_return;
    }
    s.timer.expires_at(next);
    co_await s.timer.async_wait(net::use_task);  // cancelled only by stop()
    if (stopping_) {
      co_return;
    }
    const Clock::time_point started = Clock::now();
    co_await probe_once(s);
    // Start to start, as the interval is configured; a probe that ran late fires at once.
    next = started + next_delay(s);
  }
}

net::Task<void> Checker::probe_once(Slot& s) {
  const ProbeSpec& spec = *s.target.spec;
  const Clock::time_point started = Clock::now();
  ProbeClient client(io_.get_executor(), s.target.endpoint, spec.timeout);
  s.active = &client;
  ProbeResult r;
  try {
    if (spec.type == ProbeSpec::Type::mcp) {
      r = co_await mcp_probe(client, spec, s.host, *json_);
    } else {
      r = co_await http_probe(client, spec, s.host);
    }
  } catch (const std::exception& e) {
    r = ProbeResult{false, fmt::format("internal error: {}", e.what())};
  }
  s.active = nullptr;
  if (stopping_) {
    co_return;  // aborted: the result says nothing about the backend
  }
  apply(s, r.ok, std::move(r.detail), Clock::now() - started);
}

void Checker::apply(Slot& s, bool ok, std::string detail, Clock::duration took) {
  const Health before = s.tracker.health();
  const bool flipped = s.tracker.record(ok);
  const Health after = s.tracker.health();
  s.health.store(after, std::memory_order_relaxed);
  s.successes.store(s.tracker.successes(), std::memory_order_relaxed);
  s.failures.store(s.tracker.failures(), std::memory_order_relaxed);
  s.probes.fetch_add(1, std::memory_order_relaxed);
  if (!ok) {
    s.failed.fetch_add(1, std::memory_order_relaxed);
  }
  pool::Backend& b = *s.target.backend;
  if (!ok) {
    spdlog::debug("health: backend {} ({}) pool {}: probe failed ({}/{}): {}", b.name,
                  s.address, s.target.pool, s.tracker.failures(),
                  s.target.spec->unhealthy_threshold, detail);
  }

  std::string reason;
  bool written = true;
  if (flipped) {
    if (after == Health::healthy) {
      // Before the state, so a worker that sees `healthy` also sees the new ramp start.
      b.up_since_ns.store(steady_now_ns(), std::memory_order_relaxed);
      const unsigned n = s.tracker.successes();
      reason = fmt::format("{} consecutive success{}", n, n == 1 ? "" : "es");
      if (b.slow_start_ns > 0) {
        reason += fmt::format(", slow start over {} ms", b.slow_start_ns / 1'000'000);
      }
    } else {
      const unsigned n = s.tracker.failures();
      reason = fmt::format("{} consecutive failure{}, last: {}", n, n == 1 ? "" : "s", detail);
    }
    written = write_state(b, after);
    spdlog::log(after == Health::healthy ? spdlog::level::info : spdlog::level::warn,
                "backend {} ({}) pool {}: {} -> {}: {}{}", b.name, s.address, s.target.pool,
                to_string(before), to_string(after), reason,
                written ? "" : " (draining: state kept)");
  }
  if (observer_.on_probe) {
    observer_.on_probe(ProbeEvent{s.target, ok, detail, took, after});
  }
  if (flipped && observer_.on_transition) {
    observer_.on_transition(Transition{s.target, before, after, reason, written});
  }
  std::lock_guard lock(s.mu);
  s.last_detail = std::move(detail);
}

std::vector<TargetStatus> Checker::status() const {
  std::vector<TargetStatus> out;
  out.reserve(slots_.size());
  for (const auto& s : slots_) {
    TargetStatus st;
    st.backend = s->target.backend->name;
    st.pool = s->target.pool;
    st.health = s->health.load(std::memory_order_relaxed);
    st.consecutive_successes = s->successes.load(std::memory_order_relaxed);
    st.consecutive_failures = s->failures.load(std::memory_order_relaxed);
    st.probes = s->probes.load(std::memory_order_relaxed);
    st.failed_probes = s->failed.load(std::memory_order_relaxed);
    {
      std::lock_guard lock(s->mu);
      st.last_detail = s->last_detail;
    }
    out.push_back(std::move(st));
  }
  return out;
}

std::optional<Health> Checker::health_of(const pool::Backend& backend) const {
  for (const auto& s : slots_) {
    if (s->target.backend.get() == &backend) {
      return s->health.load(std::memory_order_relaxed);
    }
  }
  return std::nullopt;
}

}  // namespace mcplb::health
