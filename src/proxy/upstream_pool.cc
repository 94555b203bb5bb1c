#include "proxy/upstream_pool.h"

namespace mcplb::proxy {

std::unique_ptr<UpstreamConn> UpstreamPool::take(Clock::time_point now) {
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < ka_.idle_timeout) {
      c->reused = true;
      return c;
    }
    discard(std::move(c));
  }
  return nullptr;
}

void UpstreamPool::put_back(std::unique_ptr<UpstreamConn> c, Clock::time_point now) {
  if (c->requests >= ka_.max_requests || idle_.size() >= ka_.max_idle) {
    discard(std::move(c));
    return;
  }
  c->idle_since = now;
  idle_.push_back(std::move(c));
}

void UpstreamPool::discard(std::unique_ptr<UpstreamConn> c) {
  if (c && c->sock.is_open()) {
    boost::system::error_code ec;
    c->sock.close(ec);
    pool::bump(slot_->active_conns, int64_t{-1});
  }
}

void UpstreamPool::expire(Clock::time_point now) {
  size_t keep = 0;
  for (auto& c : idle_) {
    if (now - c->idle_since >= ka_.idle_timeout) {
      discard(std::move(c));
    } else {
      idle_[keep++] = std::move(c);
    }
  }
  idle_.resize(keep);
}

void UpstreamPool::close_all() {
  for (auto& c : idle_) {
    discard(std::move(c));
  }
  idle_.clear();
}

}  // namespace mcplb::proxy
