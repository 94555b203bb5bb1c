#include "proxy/topology.h"

#include <boost/beast/core/string.hpp>

#include "config/glob.h"
#include "net/listener.h"

namespace mcplb::proxy {

std::shared_ptr<const Topology> Topology::build(const config::Config& cfg, size_t workers,
                                                std::string& err) {
  auto t = std::make_shared<Topology>();
  t->cfg_ = cfg;
  t->workers_ = workers;
  for (const auto& p : cfg.pools) {
    PoolRt rt;
    rt.cfg = p;
    rt.policy = balance::find_policy(p.policy.name);
    if (rt.policy == nullptr) {
      err = "pool '" + p.name + "': unknown policy '" + p.policy.name + "'";
      return nullptr;
    }
    rt.options.balance_factor = p.policy.balance_factor;
    rt.options.ewma = p.policy.ewma;
    rt.options.decay_ns = std::chrono::nanoseconds(p.policy.decay).count();
    if (p.policy.name == "hash") {
      rt.options.fallback = balance::find_policy(p.policy.fallback);
      if (rt.options.fallback == nullptr) {
        err = "pool '" + p.name + "': unknown fallback policy '" + p.policy.fallback + "'";
        return nullptr;
      }
      rt.placement = Placement::request_key;
      std::string kerr;
      rt.key_finder = http::KeyFinder::build(p.policy.key, kerr);
      if (!rt.key_finder) {
        err = "pool '" + p.name + "': " + kerr;
        return nullptr;
      }
    } else if (p.policy.name == "ip_hash") {
      rt.placement = Placement::client_ip;
    }
    rt.failover = std::make_unique<PoolFailover>(p.failover);
    rt.observe_latency = p.policy.name == "least_request" && p.policy.ewma;
    for (const auto& b : p.backends) {
      net::tcp::endpoint ep;
      if (!net::parse_endpoint(b.address.host, b.address.port, ep)) {
        err = "backend '" + b.name + "': bad address '" + b.address.host + "'";
        return nullptr;
      }
      auto be = std::make_shared<pool::Backend>();
      be->name = b.name;
      be->address = net::to_string(ep);
      be->weight = b.weight;
      be->slow_start_ns = std::chrono::nanoseconds(p.slow_start).count();
      be->stats = std::make_unique<pool::BackendStats>(workers);
      rt.backends.push_back(std::move(be));
      rt.endpoints.push_back(ep);
    }
    t->pools_.push_back(std::move(rt));
  }
  for (const auto& text : cfg.forwarding.trusted_proxies) {
    auto cidr = core::parse_cidr(text);
    if (!cidr) {
      err = "forwarding.trusted_proxies: bad prefix '" + text + "'";
      return nullptr;
    }
    t->trusted_proxies_.push_back(*cidr);
  }
  for (const auto& r : cfg.routes) {
    RouteRt rr{r.match, 0};
    t->routes_need_mcp_ = t->routes_need_mcp_ || !r.match.mcp_method.empty() ||
                          !r.match.tool.empty();
    bool found = false;
    for (size_t i = 0; i < t->pools_.size(); ++i) {
      if (t->pools_[i].cfg.name == r.pool) {
        rr.pool = i;
        found = true;
      }
    }
    if (!found) {
      err = "route names unknown pool '" + r.pool + "'";
      return nullptr;
    }
    t->routes_.push_back(std::move(rr));
  }
  mcp::TokenLimits limits;
  limits.ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(cfg.session.ttl).count();
  if (cfg.session.keys.empty()) {
    // Tokens from a generated key die with the process and no other replica can open them.
    t->key_ring_ = mcp::KeyRing::generate_ephemeral(limits);
    t->ephemeral_key_ = true;
  } else {
    std::vector<mcp::SessionKey> keys;
    for (const auto& k : cfg.session.keys) {
      std::string kerr;
      auto secret = mcp::load_session_secret(k.secret_file, &kerr);
      if (!secret) {
        err = "session key '" + k.id + "': " + kerr;
        return nullptr;
      }
      keys.push_back(mcp::SessionKey{k.id, *secret});
    }
    std::string kerr;
    t->key_ring_ = mcp::KeyRing::create(std::move(keys), limits, &kerr);
    if (!t->key_ring_) {
      err = "session keys: " + kerr;
      return nullptr;
    }
  }
  if (t->routes_.empty() && t->pools_.size() == 1) {
    t->routes_.push_back(RouteRt{config::RouteMatch{}, 0});
  }
  return t;
}

int Topology::route(const RouteQuery& q) const {
  std::string_view host = q.host;
  // Host comparisons ignore the port and case, as virtual hosting does.
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.back() != ']') {
    host = host.substr(0, colon);
  }
  for (const RouteRt& r : routes_) {
    const config::RouteMatch& m = r.match;
    if (!m.host.empty() && !boost::beast::iequals(m.host, host)) {
      continue;
    }
    if (!m.path_prefix.empty() && q.path.substr(0, m.path_prefix.size()) != m.path_prefix) {
      continue;
    }
    if (!m.method.empty() && m.method != q.method) {
      continue;
    }
    if (!m.mcp_method.empty() &&
        (q.mcp_method.empty() || !config::glob_match(m.mcp_method, q.mcp_method))) {
      continue;
    }
    if (!m.tool.empty() && (q.tool.empty() || !config::glob_match(m.tool, q.tool))) {
      continue;
    }
    bool headers_ok = true;
    for (const auto& [name, value] : m.headers) {
      if (q.header == nullptr || q.header(q.headers_arg, name) != value) {
        headers_ok = false;
        break;
      }
    }
    if (headers_ok) {
      return static_cast<int>(r.pool);
    }
  }
  return -1;
}

}  // namespace mcplb::proxy
