// routes: and the rules that tie routes to pools.

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "config/sections.h"
#include "config/suggest.h"
#include "config/web_values.h"

namespace mcplb::config {
namespace {

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return s;
}

void read_method(MapReader& m, const YAML::Node& v, RouteMatch& match) {
  std::string path = m.child("method");
  auto s = m.reader().string(v, path);
  if (!s) {
    return;
  }
  auto methods = http_methods();
  if (std::find(methods.begin(), methods.end(), *s) != methods.end()) {
    match.method = std::move(*s);
    return;
  }
  std::string upper = *s;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  });
  std::string hint;
  if (std::find(methods.begin(), methods.end(), upper) != methods.end()) {
    hint = fmt::format(" (methods are case-sensitive: did you mean '{}'?)", upper);
  } else {
    hint = did_you_mean(upper, methods);
    if (hint.empty()) {
      hint = fmt::format(" (expected one of: {})", fmt::join(methods, ", "));
    }
  }
  m.diag().error(v.Mark(), fmt::format("unknown HTTP method {}{}", quote(*s), hint));
}

// mcp_method / tool: a name, or a glob whose only wildcard is '*' (glob.h).
void read_glob(MapReader& m, const YAML::Node& v, std::string_view key, std::string_view what,
               std::string& out) {
  std::string path = m.child(key);
  auto s = m.reader().string(v, path);
  if (!s) {
    return;
  }
  if (s->empty()) {
    m.diag().error(v.Mark(), fmt::format("'{}' must not be empty (leave it out to match any {})",
                                         path, what));
    return;
  }
  if (s->size() > kMaxGlobChars) {
    m.diag().error(v.Mark(), fmt::format("'{}' must be at most {} characters, got {}", path,
                                         kMaxGlobChars, s->size()));
    return;
  }
  for (char c : *s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      m.diag().error(v.Mark(), fmt::format("'{}' must not contain control characters, got {}",
                                           path, quote(*s)));
      return;
    }
    // Characters other glob dialects treat as special: refuse them rather than match them
    // literally behind the user's back.
    if (std::string_view("?[]{}\\").find(c) != std::string_view::npos) {
      m.diag().error(v.Mark(), fmt::format("only '*' is a wildcard in '{}'; '{}' is not "
                                           "allowed, got {}",
                                           path, c, quote(*s)));
      return;
    }
  }
  out = std::move(*s);
}

void read_headers(MapReader& m, const YAML::Node& v, RouteMatch& match) {
  std::string path = m.child("headers");
  Diagnostics& diag = m.diag();
  if (!v.IsMap() && !v.IsNull()) {
    diag.error(m.reader().at(v), fmt::format("expected a map of header names to values for "
                                             "'{}', got {}",
                                             path, describe(v)));
    return;
  }
  if (v.size() > kMaxMatchHeaders) {
    diag.error(v.Mark(), fmt::format("too many headers in '{}' (at most {})", path,
                                     kMaxMatchHeaders));
    return;
  }
  std::vector<YAML::Mark> marks;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const YAML::Node name = it->first;  // copies: it-> points into a temporary
    const YAML::Node value = it->second;
    if (!name.IsScalar() || !valid_header_name(name.Scalar())) {
      diag.error(name.Mark(), fmt::format("invalid header name {} in '{}' (use letters, digits "
                                          "and !#$%&'*+-.^_`|~)",
                                          name.IsScalar() ? quote(name.Scalar()) : describe(name),
                                          path));
      continue;
    }
    std::string lower = to_lower(name.Scalar());
    if (lower == "host") {
      diag.error(name.Mark(), fmt::format("match the Host header with '{}', not with '{}'",
                                          m.child("host"), path));
      continue;
    }
    auto dup = std::find_if(match.headers.begin(), match.headers.end(),
                            [&](const auto& h) { return h.first == lower; });
    if (dup != match.headers.end()) {
      diag.error(name.Mark(), fmt::format("duplicate header {} in '{}' (first at {})",
                                          quote(name.Scalar()), path,
                                          pos_str(marks[static_cast<size_t>(
                                              dup - match.headers.begin())])));
      continue;
    }
    std::string value_path = fmt::format("{}.{}", path, name.Scalar());
    Reader r{diag, name.Mark()};
    auto s = r.string(value, value_path);
    if (!s) {
      continue;
    }
    if (s->empty()) {
      // The proxy cannot tell an empty header from an absent one; refuse the ambiguity.
      diag.error(value.Mark(), fmt::format("'{}' must not be empty", value_path));
      continue;
    }
    if (!valid_header_value(*s)) {
      diag.error(value.Mark(), fmt::format("'{}' must not contain control characters or "
                                           "leading or trailing spaces, got {}",
                                           value_path, quote(*s)));
      continue;
    }
    match.headers.emplace_back(std::move(lower), std::move(*s));
    marks.push_back(name.Mark());
  }
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
  m.on("method", [&](const YAML::Node& v, const YAML::Node&) { read_method(m, v, match); })
      .on("mcp_method",
          [&](const YAML::Node& v, const YAML::Node&) {
            read_glob(m, v, "mcp_method", "method", match.mcp_method);
          })
      .on("tool",
          [&](const YAML::Node& v, const YAML::Node&) {
            read_glob(m, v, "tool", "tool", match.tool);
          })
      .on("headers",
          [&](const YAML::Node& v, const YAML::Node&) { read_headers(m, v, match); });
}

// True when every request `later` matches is matched by `earlier` first. Conservative: an
// earlier route with criteria beyond path and host never counts as shadowing (deciding glob
// and header containment is not worth a false warning).
bool shadows(const RouteMatch& earlier, const RouteMatch& later) {
  bool earlier_simple = earlier.method.empty() && earlier.mcp_method.empty() &&
                        earlier.tool.empty() && earlier.headers.empty();
  return earlier_simple && later.path_prefix.starts_with(earlier.path_prefix) &&
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
