#include "proxy/passive_health.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"

namespace mcplb::proxy {
namespace {

int64_t ns(config::Duration d) { return std::chrono::nanoseconds(d).count(); }

/// Whether ejecting one more backend keeps the pool within max_ejection_percent.
bool may_eject(const PoolRt& pool, size_t backend, int64_t now_ns) {
  const auto& cfg = pool.cfg.health.passive;
  size_t ejected = 0;
  for (size_t i = 0; i < pool.backends.size(); ++i) {
    if (i != backend && pool.backends[i]->ejected_until_ns.load(std::memory_order_relaxed) > now_ns) {
      ++ejected;
    }
  }
  return (ejected + 1) * 100 <= cfg.max_ejection_percent * pool.backends.size();
}

void eject(const PoolRt& pool, size_t backend, int64_t now_ns, int64_t for_ns,
           std::string_view reason, std::string_view what) {
  auto& b = *pool.backends[backend];
  if (!may_eject(pool, backend, now_ns)) {
    spdlog::warn("backend {} ({}) pool {}: not ejected ({}, last: {}): max_ejection_percent {} "
                 "reached",
                 b.name, b.address, pool.cfg.name, reason, what,
                 pool.cfg.health.passive.max_ejection_percent);
    return;
  }
  int64_t until = now_ns + for_ns;
  int64_t cur = b.ejected_until_ns.load(std::memory_order_relaxed);
  while (cur < until &&
         !b.ejected_until_ns.compare_exchange_weak(cur, until, std::memory_order_relaxed)) {
  }
  if (cur >= until) {
    return;  // another worker ejected it for at least as long
  }
  if (cur <= now_ns) {
    b.ejections_total.fetch_add(1, std::memory_order_relaxed);  // a new ejection, not an extension
  }
  spdlog::warn("backend {} ({}) pool {}: {} -> ejected for {} ms: {}, last: {}", b.name,
               b.address, pool.cfg.name, cur > now_ns ? "ejected" : "healthy",
               for_ns / 1'000'000, reason, what);
}

}  // namespace

void record_failure(const PoolRt& pool, size_t backend, int64_t now_ns, std::string_view what) {
  const auto& cfg = pool.cfg.health.passive;
  auto& b = *pool.backends[backend];
  if (cfg.max_fails > 0) {
    const int64_t window = ns(cfg.fail_timeout);
    int64_t start = b.window_start_ns.load(std::memory_order_relaxed);
    uint32_t fails;
    if (now_ns - start > window &&
        b.window_start_ns.compare_exchange_strong(start, now_ns, std::memory_order_relaxed)) {
      b.window_fails.store(1, std::memory_order_relaxed);
      fails = 1;
    } else {
      fails = b.window_fails.fetch_add(1, std::memory_order_relaxed) + 1;
    }
    if (fails >= cfg.max_fails) {
      b.window_fails.store(0, std::memory_order_relaxed);
      eject(pool, backend, now_ns, window, fmt::format("{} failures within {} ms", fails,
                                                        window / 1'000'000),
            what);
    }
  }
  if (cfg.consecutive_errors > 0) {
    uint32_t streak = b.consecutive_errors.fetch_add(1, std::memory_order_relaxed) + 1;
    if (streak >= cfg.consecutive_errors) {
      b.consecutive_errors.store(0, std::memory_order_relaxed);
      // A backend that stayed in rotation for max_ejection_time starts its count afresh.
      int64_t back = b.returned_ns.load(std::memory_order_relaxed);
      if (back != 0 && now_ns - back > ns(cfg.max_ejection_time)) {
        b.ejections.store(0, std::memory_order_relaxed);
      }
      uint32_t times = b.ejections.fetch_add(1, std::memory_order_relaxed) + 1;
      int64_t t = std::min(ns(cfg.base_ejection_time) * times, ns(cfg.max_ejection_time));
      eject(pool, backend, now_ns, t, fmt::format("{} consecutive errors", streak), what);
    }
  }
}

void log_returns(const PoolRt& pool, int64_t now_ns) {
  for (const auto& b : pool.backends) {
    int64_t until = b->ejected_until_ns.load(std::memory_order_relaxed);
    if (until != 0 && until <= now_ns &&
        b->ejected_until_ns.compare_exchange_strong(until, 0, std::memory_order_relaxed)) {
      b->returned_ns.store(now_ns, std::memory_order_relaxed);
      spdlog::info("backend {} ({}) pool {}: ejected -> back in rotation", b->name, b->address,
                   pool.cfg.name);
    }
  }
}

}  // namespace mcplb::proxy
