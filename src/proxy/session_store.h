#pragma once
// The memory session store behind transparent failover (pools.*.failover.sessions:
// reinitialize). For each session a backend created through mcplb it keeps the client's
// initialize request, so the session can be opened again on another backend when its own is
// gone; and for each session that moved, where it lives now. Keys are what a client's token
// names: (backend name, the backend's session id).
//
// Shared by all workers of a pool, guarded by one mutex: it is touched on initialize,
// DELETE, failover and requests of moved sessions, never on an ordinary session request
// (those check moved_any() first, one relaxed load). Bounded: beyond max_sessions the
// oldest records go (those sessions then get the spec's 404 instead of a failover).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcplb::proxy {

class SessionStore {
 public:
  /// Where a session that moved lives now.
  struct Location {
    size_t backend = 0;  // index in the pool
    std::string session_id;
  };

  explicit SessionStore(size_t max_sessions) : max_(max_sessions == 0 ? 1 : max_sessions) {}

  /// Keeps the initialize body of a session the backend `backend` created as `sid`.
  void remember(std::string_view backend, std::string_view sid, std::string_view initialize);
  /// The initialize body of that session, when it is known.
  std::optional<std::string> initialize_of(std::string_view backend, std::string_view sid) const;
  /// Where the session moved, if it did.
  std::optional<Location> location(std::string_view backend, std::string_view sid) const;
  /// Records that the session now lives at `to`, unless another request moved it elsewhere
  /// since `expected_from` was read (nullopt: it had not moved). Returns where it lives now:
  /// `to`, or the other request's result.
  Location move(std::string_view backend, std::string_view sid,
                const std::optional<Location>& expected_from, Location to);
  void forget(std::string_view backend, std::string_view sid);

  /// True once any session has moved: only then do session requests look here.
  bool moved_any() const { return moved_any_.load(std::memory_order_relaxed); }
  size_t size() const;

 private:
  struct Record {
    std::string initialize;
    std::optional<Location> moved;
  };
  static std::string key(std::string_view backend, std::string_view sid);
  void evict_locked();

  size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Record> records_;
  std::deque<std::string> order_;  // insertion order for eviction (may name forgotten keys)
  std::atomic<bool> moved_any_{false};
};

}  // namespace mcplb::proxy
