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
#include "core/cidr.h"
#include "http/hash_key.h"
#include "mcp/session_token.h"
#include "mcplb/balance/policy.h"
#include "mcplb/pool/backend.h"
#include "net/asio.h"
#include "proxy/pool_failover.h"

namespace mcplb::proxy {

/// What a pool's policy hashes (PickContext::hash).
enum class Placement : uint8_t { none, client_ip, request_key };

struct PoolRt {
  config::Pool cfg;
  std::vector<pool::BackendPtr> backends;
  std::vector<net::tcp::endpoint> endpoints;  // parallel to backends
  const balance::PolicyFactory* policy = nullptr;
  balance::PolicyOptions options;
  Placement placement = Placement::none;
  bool observe_latency = false;  // the policy scores by latency: time every response head
  std::optional<http::KeyFinder> key_finder;  // Placement::request_key
  std::unique_ptr<PoolFailover> failover;     // always set; shared by the workers
  // Requests waiting for a backend below overload.max_in_flight, across workers.
  std::unique_ptr<std::atomic<uint32_t>> queued = std::make_unique<std::atomic<uint32_t>>(0);
};

struct RouteRt {
  config::RouteMatch match;
  size_t pool = 0;
};

/// What a route may look at; all views are valid only during the call.
struct RouteQuery {
  std::string_view host;
  std::string_view path;
  std::string_view method;      // HTTP method
  std::string_view mcp_method;  // Mcp-Method header, else the inspected body's method
  std::string_view tool;        // for tools/call: Mcp-Name header, else params.name
  const void* headers_arg = nullptr;
  /// Looks a request header up by name (case-insensitive); empty when absent.
  std::string_view (*header)(const void* arg, std::string_view name) = nullptr;
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
  /// Peers whose X-Forwarded-For / Forwarded are believed (forwarding.trusted_proxies).
  const std::vector<core::Cidr>& trusted_proxies() const { return trusted_proxies_; }

  /// Index of the pool of the first matching route; -1 when none matches.
  int route(const RouteQuery& q) const;
  /// True when some route looks at more than host, path and method (MCP method, tool or
  /// headers): only then must the request's MCP fields be known before routing.
  bool routes_need_mcp() const { return routes_need_mcp_; }

 private:
  config::Config cfg_;
  size_t workers_ = 1;
  std::vector<PoolRt> pools_;
  std::vector<RouteRt> routes_;
  bool routes_need_mcp_ = false;
  std::optional<mcp::KeyRing> key_ring_;
  bool ephemeral_key_ = false;
  std::vector<core::Cidr> trusted_proxies_;
};

using TopologyPtr = std::shared_ptr<const Topology>;

}  // namespace mcplb::proxy
