#pragma once
// A pool's shared failover state: the session store (when sessions fail over), which tools
// are safe to call twice, and the retry budget. One per pool, shared by all workers; used
// only on initialize, DELETE, tools/list answers, failures and moved sessions.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/model.h"
#include "proxy/session_store.h"

namespace mcplb::proxy {

class PoolFailover {
 public:
  explicit PoolFailover(const config::Failover& cfg);

  /// The session store, when `failover.sessions: reinitialize`.
  SessionStore* sessions() { return sessions_ ? &*sessions_ : nullptr; }

  /// Learns a tool's annotations from a tools/list answer (bounded: kMaxTools names).
  void learn_tool(std::string_view name, bool safe);
  /// A tools/call of `tool` may run twice: listed in failover.tools, or annotated
  /// readOnlyHint/idempotentHint in the last tools/list seen. False under retry_tools: none.
  bool tool_safe(std::string_view tool) const;
  bool learns_tools() const { return cfg_.retry_idempotent; }

  /// Takes a retry slot when the budget allows: at most retry_budget x `in_flight`
  /// retries at once, and always min_retries. Pair with end_retry().
  bool begin_retry(int64_t in_flight);
  void end_retry() { retries_.fetch_sub(1, std::memory_order_relaxed); }

  static constexpr size_t kMaxTools = 4096;

 private:
  const config::Failover cfg_;
  std::optional<SessionStore> sessions_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, bool> tools_;
  std::atomic<int64_t> retries_{0};
};

}  // namespace mcplb::proxy
