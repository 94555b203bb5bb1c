#include "proxy/pool_failover.h"

#include <algorithm>
#include <cmath>

#include "config/glob.h"

namespace mcplb::proxy {

PoolFailover::PoolFailover(const config::Failover& cfg) : cfg_(cfg) {
  if (cfg.reinitialize) {
    sessions_.emplace(cfg.max_sessions);
  }
}

void PoolFailover::learn_tool(std::string_view name, bool safe) {
  std::lock_guard lock(mu_);
  if (auto it = tools_.find(std::string(name)); it != tools_.end()) {
    it->second = safe;  // a new server version may change a tool's annotations
  } else if (tools_.size() < kMaxTools) {
    tools_.emplace(name, safe);
  }
}

bool PoolFailover::tool_safe(std::string_view tool) const {
  if (!cfg_.retry_idempotent || tool.empty()) {
    return false;
  }
  for (const auto& g : cfg_.tools) {
    if (config::glob_match(g, tool)) {
      return true;
    }
  }
  std::lock_guard lock(mu_);
  auto it = tools_.find(std::string(tool));
  return it != tools_.end() && it->second;
}

bool PoolFailover::begin_retry(int64_t in_flight) {
  const auto budget = std::max<int64_t>(
      cfg_.min_retries, static_cast<int64_t>(std::floor(cfg_.retry_budget * static_cast<double>(in_flight))));
  int64_t cur = retries_.load(std::memory_order_relaxed);
  while (cur < budget) {
    if (retries_.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

}  // namespace mcplb::proxy
