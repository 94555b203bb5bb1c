#include "proxy/session_store.h"

namespace mcplb::proxy {

std::string SessionStore::key(std::string_view backend, std::string_view sid) {
  // Backend names never contain '\n' (config) and session ids are visible ASCII (spec).
  std::string k;
  k.reserve(backend.size() + 1 + sid.size());
  k.append(backend).push_back('\n');
  k.append(sid);
  return k;
}

void SessionStore::remember(std::string_view backend, std::string_view sid,
                            std::string_view initialize) {
  std::string k = key(backend, sid);
  std::lock_guard lock(mu_);
  auto [it, fresh] = records_.try_emplace(k);
  it->second.initialize.assign(initialize);
  if (fresh) {
    order_.push_back(std::move(k));
    evict_locked();
  }
}

void SessionStore::evict_locked() {
  while (records_.size() > max_ && !order_.empty()) {
    records_.erase(order_.front());
    order_.pop_front();
  }
  // Forgotten keys stay in order_ until they reach the front: keep that backlog bounded.
  if (order_.size() > 2 * max_ + 64) {
    std::deque<std::string> live;
    for (auto& k : order_) {
      if (records_.contains(k)) {
        live.push_back(std::move(k));
      }
    }
    order_.swap(live);
  }
}

std::optional<std::string> SessionStore::initialize_of(std::string_view backend,
                                                       std::string_view sid) const {
  std::string k = key(backend, sid);
  std::lock_guard lock(mu_);
  auto it = records_.find(k);
  if (it == records_.end() || it->second.initialize.empty()) {
    return std::nullopt;
  }
  return it->second.initialize;
}

std::optional<SessionStore::Location> SessionStore::location(std::string_view backend,
                                                             std::string_view sid) const {
  std::string k = key(backend, sid);
  std::lock_guard lock(mu_);
  auto it = records_.find(k);
  if (it == records_.end()) {
    return std::nullopt;
  }
  return it->second.moved;
}

SessionStore::Location SessionStore::move(std::string_view backend, std::string_view sid,
                                          const std::optional<Location>& expected_from,
                                          Location to) {
  std::string k = key(backend, sid);
  std::lock_guard lock(mu_);
  auto it = records_.find(k);
  if (it == records_.end()) {
    return to;  // evicted meanwhile: the request still goes where it was opened again
  }
  auto& moved = it->second.moved;
  const bool unchanged =
      moved.has_value() == expected_from.has_value() &&
      (!moved || (moved->backend == expected_from->backend &&
                  moved->session_id == expected_from->session_id));
  if (!unchanged) {
    return *moved;  // a concurrent request of the same session moved it first: join it
  }
  moved = to;
  moved_any_.store(true, std::memory_order_relaxed);
  return to;
}

void SessionStore::forget(std::string_view backend, std::string_view sid) {
  std::string k = key(backend, sid);
  std::lock_guard lock(mu_);
  records_.erase(k);
}

size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

}  // namespace mcplb::proxy
