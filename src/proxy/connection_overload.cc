// Overload protection (pools.<p>.overload): a per-backend max_in_flight counted across
// workers, and a bounded wait for a free slot before a fast 503.

#include "proxy/connection.h"
#include "proxy/pick_rules.h"

namespace mcplb::proxy {

bool Connection::take_limit(pool::Backend& b, uint32_t limit) {
  if (limit == 0) {
    return true;
  }
  if (b.limited.fetch_add(1, std::memory_order_relaxed) >= static_cast<int64_t>(limit)) {
    b.limited.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  limit_held_ = &b;
  return true;
}

void Connection::release_limit() {
  if (limit_held_ != nullptr) {
    limit_held_->limited.fetch_sub(1, std::memory_order_relaxed);
    limit_held_ = nullptr;
  }
}

net::Task<bool> Connection::wait_for_capacity(const PoolRt& rt) {
  const auto& ov = rt.cfg.overload;
  const auto limit = static_cast<int64_t>(ov.max_in_flight);
  auto room = [&] {
    if (pinned_ >= 0) {
      return below_limit(*rt.backends[static_cast<size_t>(pinned_)], limit);
    }
    const int64_t now = now_ns();
    for (const auto& b : rt.backends) {
      if (b->ready(now) && below_limit(*b, limit)) {
        return true;
      }
    }
    return none_ready(rt, now);  // nothing is ready: not a load problem, the pick decides
  };
  if (room()) {
    co_return true;
  }
  // Whom to count the refusal against: the session's backend, else the first ready one.
  size_t blame = pinned_ >= 0 ? static_cast<size_t>(pinned_) : 0;
  if (rt.queued->fetch_add(1, std::memory_order_relaxed) >= ov.queue) {
    rt.queued->fetch_sub(1, std::memory_order_relaxed);
    pool::bump(rt.backends[blame]->stats->slot(w_.index).rejected, uint64_t{1});
    co_return false;
  }
  // Slots free up on any worker, so this polls (2 ms) instead of waiting for a local event.
  const auto deadline = Clock::now() + ov.queue_timeout;
  net::Timer timer(w_.io.get_executor());
  bool ok = false;
  for (;;) {
    timer.expires_after(std::chrono::milliseconds(2));
    auto [ec] = co_await timer.async_wait(net::use_task);
    (void)ec;
    if (room()) {
      ok = true;
      break;
    }
    if (Clock::now() >= deadline || w_.draining) {
      break;
    }
  }
  rt.queued->fetch_sub(1, std::memory_order_relaxed);
  if (!ok) {
    pool::bump(rt.backends[blame]->stats->slot(w_.index).rejected, uint64_t{1});
  }
  co_return ok;
}

}  // namespace mcplb::proxy
