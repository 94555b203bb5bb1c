#pragma once
// The immutable routing picture every worker reads: pools with their backends, endpoints and
// policy factory, and the ordered routes. Built once by the control thread and shared; the
// only mutable parts are the per-backend atomics inside pool::Backend.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.h"
#include "mcp/session_token.h"
#include "mcplb/balance/policy.h"
#include "mcplb/pool/backend.h"
#include "net/asio.h"

namespace mcplb::proxy {

struct PoolRt {
  config::Pool cfg;
  std::vector<pool::BackendPtr> backends;
  std::vector<net::tcp::endpoint> endpoints;  // parallel to backends
  const balance::PolicyFactory* policy = nullptr;
};

struct RouteRt {
  std::string path_prefix;
  std::string host;
  size_t pool = 0;
};

class Topology {
 public:
  /// @return nullptr with `err` set when the config names something unusable (unknown
  /// policy, unresolvable address). Config syntax was already checked by the loader.
  static std::shared_ptr<const Topology> build(const config::Config& cfg, size_t workers,
                                               std::string& err);

  const config::Config& config() const { return cfg_; }
  size_t workers() const { return workers_; }
  const std::vector<PoolRt>& pools() const { return pools_; }
  /// Seals and opens MCP session tokens (session.keys, or one ephemeral key).
  const mcp::KeyRing& key_ring() const { return *key_ring_; }
  bool ephemeral_key() const { return ephemeral_key_; }

  /// First route matching host (port ignored, case-insensitive) and path; -1 when none.
  int route(std::string_view host, std::string_view path) const;

 private:
  config::Config cfg_;
  size_t workers_ = 1;
  std::vector<PoolRt> pools_;
  std::vector<RouteRt> routes_;
  std::optional<mcp::KeyRing> key_ring_;
  bool ephemeral_key_ = false;
};

using TopologyPtr = std::shared_ptr<const Topology>;

}  // namespace mcplb::proxy
