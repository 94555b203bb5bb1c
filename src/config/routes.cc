// routes: and the rules that tie routes to pools.

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "config/sections.h"
#include "config/suggest.h"

namespace mcplb::config {
namespace {

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return s;
}

void read_match(MapReader& m, RouteMatch& match) {
  m.on("path_prefix", [&](const YAML::Node& v, const YAML::Node&) {
     auto s = m.reader().string(v, m.child("path_prefix"));
     if (!s) {
       return;
     }
     if (!s->starts_with('/')) {
       m.diag().error(v.Mark(), fmt::format("'{}' must start with '/', got {}",
                                            m.child("path_prefix"), quote(*s)));
       return;
     }
     match.path_prefix = std::move(*s);
   }).on("host", [&](const YAML::Node& v, const YAML::Node&) {
    auto s = m.reader().string(v, m.child("host"));
    if (!s) {
      return;
    }
    // The request's port is ignored when matching, so a port here could never match.
    bool bad = s->empty() || s->find_first_of(" \t/") != std::string::npos ||
               (!s->starts_with('[') && s->find(':') != std::string::npos);
    if (bad) {
      m.diag().error(v.Mark(), fmt::format("'{}' must be a host name without port, got {}",
                                           m.child("host"), quote(*s)));
      return;
    }
    match.host = to_lower(std::move(*s));
  });
}

// True when every request `later` matches is matched by `earlier` first.
bool shadows(const RouteMatch& earlier, const RouteMatch& later) {
  return later.path_prefix.starts_with(earlier.path_prefix) &&
         (earlier.host.empty() || earlier.host == later.host);
}

}  // namespace

size_t read_routes(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key, Config& cfg) {
  Reader r{diag, key.Mark()};
  if (!r.list(value, "routes")) {
    return 1;
  }
  if (value.size() > kMaxRoutes) {
    diag.error(value.Mark(), fmt::format("too many routes (at most {})", kMaxRoutes));
    return value.size();
  }
  std::vector<std::string_view> pool_names;
  for (const auto& p : cfg.pools) {
    pool_names.push_back(p.name);
  }
  size_t i = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++i) {
    const YAML::Node item = *it;  // a copy: yaml-cpp iterators yield temporaries
    std::string path = fmt::format("routes[{}]", i);
    if (!item.IsMap()) {
      diag.error(item.Mark(), fmt::format("expected a map for '{}', got {}", path, describe(item)));
      continue;
    }
    Route route;
    route.mark = diag.mark(item.Mark());
    bool pool_ok = false;
    MapReader m(diag, item, path);
    m.section("match", [&](MapReader& s) { read_match(s, route.match); })
        .on("pool",
            [&](const YAML::Node& v, const YAML::Node&) {
              auto s = m.reader().string(v, m.child("pool"));
              if (!s) {
                return;
              }
              if (cfg.find_pool(*s) == nullptr) {
                // No pools at all was already reported; a second error would be noise.
                if (!pool_names.empty()) {
                  std::string hint = did_you_mean(*s, pool_names);
                  if (hint.empty()) {
                    hint = fmt::format(" (defined pools: {})", fmt::join(pool_names, ", "));
                  }
                  diag.error(v.Mark(), fmt::format("unknown pool {}{}", quote(*s), hint));
                }
                return;
              }
              route.pool = std::move(*s);
              pool_ok = true;
            })
        .required("pool");
    m.run();
    if (pool_ok) {
      cfg.routes.push_back(std::move(route));
    }
  }
  return value.size();
}

void check_routing(Diagnostics& diag, const Config& cfg, const YAML::Mark& pools_key,
                   const YAML::Mark& routes_key, size_t route_entries) {
  if (cfg.routes.empty()) {
    // route_entries > 0: every route had an error, already reported.
    if (cfg.pools.size() > 1 && route_entries == 0) {
      diag.error(routes_key.is_null() ? pools_key : routes_key,
                 "routes required when more than one pool is defined");
    }
    return;
  }
  if (diag.has_errors()) {
    return;  // a route or pool that failed to load would make these warnings misleading
  }
  for (size_t i = 0; i < cfg.routes.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (shadows(cfg.routes[j].match, cfg.routes[i].match)) {
        diag.warning(yaml_mark(cfg.routes[i].mark),
                     fmt::format("route can never match: the route at {} matches all of "
                                 "its requests first",
                                 pos_str(cfg.routes[j].mark)));
        break;
      }
    }
  }
  for (const auto& p : cfg.pools) {
    bool used = std::any_of(cfg.routes.begin(), cfg.routes.end(),
                            [&](const Route& r) { return r.pool == p.name; });
    if (!used) {
      diag.warning(yaml_mark(p.mark), fmt::format("pool '{}' is not used by any route", p.name));
    }
  }
}

}  // namespace mcplb::config
