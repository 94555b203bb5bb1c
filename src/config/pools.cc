// pools:, routes: and listen: — the sections whose entries have names or addresses that must
// be unique, plus the cross-section routing rules.

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "config/sections.h"

namespace mcplb::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

std::string item_path(std::string_view list, size_t i) { return fmt::format("{}[{}]", list, i); }

struct BackendRead {
  bool ok = false;
  YAML::Mark name_at;  // the name, or the address when the name defaults to it
  YAML::Mark address_at;
  YAML::Mark weight_at = YAML::Mark::null_mark();  // the weight value, when not 1
};

BackendRead read_backend(Diagnostics& diag, const YAML::Node& item, const std::string& path,
                         Backend& b) {
  BackendRead res;
  Reader r{diag};
  if (item.IsScalar()) {  // "127.0.0.1:3001" shorthand
    if (auto a = r.address(item, path, false)) {
      b.address = std::move(*a);
      res.ok = true;
    }
    res.name_at = res.address_at = item.Mark();
    return res;
  }
  if (!item.IsMap()) {
    diag.error(item.Mark(),
               fmt::format("expected an address or a map for '{}', got {}", path, describe(item)));
    return res;
  }
  bool has_name = false;
  MapReader m(diag, item, path);
  m.on("name",
       [&](const YAML::Node& v, const YAML::Node&) {
         auto s = m.reader().string(v, m.child("name"));
         if (!s) {
           return;
         }
         if (!valid_name(*s, true)) {
           diag.error(v.Mark(), fmt::format("invalid backend name {} (use letters, digits and "
                                            "'_', '-', '.', ':', '[', ']')",
                                            quote(*s)));
           return;
         }
         b.name = std::move(*s);
         res.name_at = v.Mark();
         has_name = true;
       })
      .on("address",
          [&](const YAML::Node& v, const YAML::Node&) {
            if (auto a = m.reader().address(v, m.child("address"), false)) {
              b.address = std::move(*a);
              res.address_at = v.Mark();
              res.ok = true;
            }
          })
      .on("weight",
          [&](const YAML::Node& v, const YAML::Node&) {
            if (auto w = m.reader().integer(v, m.child("weight"), 1, 1000)) {
              b.weight = static_cast<uint32_t>(*w);
              if (b.weight != 1) {
                res.weight_at = v.Mark();
              }
            }
          })
      .required("address");
  m.run();
  if (!has_name) {
    res.name_at = res.address_at;
  }
  return res;
}

void read_backends(Diagnostics& diag, const YAML::Node& v, const YAML::Node& key,
                   const std::string& path, Pool& pool, size_t& total, PoolMarks& marks) {
  Reader r{diag, key.Mark()};
  if (!r.list(v, path)) {
    return;
  }
  if (v.size() == 0) {
    diag.error(key.Mark(), fmt::format("'{}' must not be empty", path));
    return;
  }
  if (v.size() > kMaxBackendsPerPool || total + v.size() > kMaxBackendsTotal) {
    diag.error(v.Mark(), fmt::format("too many backends (at most {} per pool and {} in all)",
                                     kMaxBackendsPerPool, kMaxBackendsTotal));
    return;
  }
  total += v.size();
  std::unordered_map<std::string, YAML::Mark> names;
  std::unordered_map<std::string, YAML::Mark> addresses;
  size_t i = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++i) {
    const YAML::Node item = *it;  // a copy: yaml-cpp iterators yield temporaries
    Backend b;
    BackendRead read = read_backend(diag, item, item_path(path, i), b);
    if (!read.ok) {
      continue;
    }
    b.mark = diag.mark(item.Mark());
    if (marks.first_weight.is_null()) {
      marks.first_weight = read.weight_at;
    }
    std::string addr = b.address.str();
    if (b.name.empty()) {
      b.name = addr;
    }
    if (auto [it, fresh] = names.emplace(b.name, read.name_at); !fresh) {
      diag.error(read.name_at, fmt::format("duplicate backend name {} in pool '{}' (first at {})",
                                           quote(b.name), pool.name, pos_str(it->second)));
      continue;
    }
    if (auto [it, fresh] = addresses.emplace(addr, read.address_at); !fresh) {
      diag.warning(read.address_at, fmt::format("backend address '{}' is listed twice in pool '{}' "
                                                "(first at {})",
                                                addr, pool.name, pos_str(it->second)));
    }
    pool.backends.push_back(std::move(b));
  }
}

void read_pool(Diagnostics& diag, const YAML::Node& v, const YAML::Node& key, Pool& pool,
               size_t& total_backends) {
  MapReader m(diag, v, "pools." + pool.name, key.Mark());
  PoolMarks marks;
  m.on("policy",
       [&](const YAML::Node& p, const YAML::Node& k) {
         read_policy(diag, p, k, m.child("policy"), pool.policy);
       })
      .on("sticky",
          [&](const YAML::Node& s, const YAML::Node& k) {
            if (read_sticky(diag, s, k, m.child("sticky"), pool.sticky)) {
              marks.sticky = k.Mark();
            }
          })
      // At most 1h: pool::effective_weight multiplies (weight << 10) by the elapsed ns, which
      // stays below 2^64 only for weight <= 1000 and a ramp of at most ~5h.
      .duration("slow_start", pool.slow_start, milliseconds(0), hours(1))
      .on("health",
          [&](const YAML::Node& h, const YAML::Node& k) {
            read_health(diag, h, k, m.child("health"), pool.name, pool.health);
          })
      .duration("drain_timeout", pool.drain_timeout, milliseconds(0), hours(24))
      .on("failover",
          [&](const YAML::Node& f, const YAML::Node& k) {
            read_failover(diag, f, k, m.child("failover"), pool.failover);
          })
      .on("overload",
          [&](const YAML::Node& o, const YAML::Node& k) {
            read_overload(diag, o, k, m.child("overload"), pool.overload);
          })
      .on("backends",
          [&](const YAML::Node& b, const YAML::Node& k) {
            read_backends(diag, b, k, m.child("backends"), pool, total_backends, marks);
          })
      .section("keepalive",
               [&](MapReader& s) {
                 s.integer("max_idle", pool.keepalive.max_idle, 0, 100'000)
                     .integer("max_requests", pool.keepalive.max_requests, 1, 1'000'000'000)
                     .duration("idle_timeout", pool.keepalive.idle_timeout, milliseconds(1),
                               hours(24));
               })
      .section("timeouts",
               [&](MapReader& s) {
                 s.duration("connect", pool.timeouts.connect, milliseconds(1), hours(24))
                     .duration("read", pool.timeouts.read, milliseconds(1), hours(24))
                     .duration("idle_stream", pool.timeouts.idle_stream, milliseconds(1),
                               hours(24));
               })
      .required("backends");
  if (m.run()) {
    check_balancing(diag, pool, marks);
  }
}

}  // namespace

bool valid_name(std::string_view name, bool address_chars) {
  if (name.empty() || name.size() > 128) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [&](char c) {
    bool base = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.';
    return base || (address_chars && (c == ':' || c == '[' || c == ']'));
  });
}

void read_listen(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 std::vector<Listener>& out) {
  Reader r{diag, key.Mark()};
  if (!r.list(value, "listen")) {
    return;
  }
  out.clear();  // replaces the default listener
  if (value.size() == 0) {
    diag.error(key.Mark(), "'listen' must not be empty");
    return;
  }
  if (value.size() > kMaxListeners) {
    diag.error(value.Mark(), fmt::format("too many listeners (at most {})", kMaxListeners));
    return;
  }
  size_t i = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++i) {
    const YAML::Node item = *it;  // a copy: yaml-cpp iterators yield temporaries
    std::string path = item_path("listen", i);
    Listener l;
    YAML::Mark addr_mark = item.Mark();
    bool ok = false;
    if (item.IsScalar()) {
      if (auto a = r.address(item, path, true)) {
        l.address = std::move(*a);
        ok = true;
      }
    } else if (item.IsMap()) {
      MapReader m(diag, item, path);
      m.on("address",
           [&](const YAML::Node& v, const YAML::Node&) {
             if (auto a = m.reader().address(v, m.child("address"), true)) {
               l.address = std::move(*a);
               addr_mark = v.Mark();
               ok = true;
             }
           })
          .integer("max_connections", l.max_connections, 1, 1'000'000)
          .required("address");
      m.run();
    } else {
      diag.error(item.Mark(), fmt::format("expected an address or a map for '{}', got {}", path,
                                          describe(item)));
    }
    if (!ok) {
      continue;
    }
    l.mark = diag.mark(addr_mark);
    // Port 0 asks the kernel for a fresh port each time, so those never collide.
    auto dup = std::find_if(out.begin(), out.end(), [&](const Listener& o) {
      return l.address.port != 0 && o.address.port == l.address.port &&
             o.address.host == l.address.host;
    });
    if (dup != out.end()) {
      diag.error(addr_mark, fmt::format("duplicate listen address '{}' (first at {})",
                                        l.address.str(), pos_str(dup->mark)));
      continue;
    }
    out.push_back(std::move(l));
  }
}

void read_pools(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                std::vector<Pool>& out) {
  if (!value.IsMap() && !value.IsNull()) {
    diag.error(value.Mark(),
               fmt::format("expected a map of pool names for 'pools', got {}", describe(value)));
    return;
  }
  if (value.size() == 0) {
    diag.error(key.Mark(), "'pools' must define at least one pool");
    return;
  }
  if (value.size() > kMaxPools) {
    diag.error(value.Mark(), fmt::format("too many pools (at most {})", kMaxPools));
    return;
  }
  size_t total_backends = 0;
  for (auto it = value.begin(); it != value.end(); ++it) {
    const YAML::Node name = it->first;  // copies: it-> points into a temporary
    const YAML::Node value_node = it->second;
    if (!name.IsScalar() || !valid_name(name.Scalar(), false)) {
      diag.error(name.Mark(), fmt::format("invalid pool name {} (use letters, digits and '_', "
                                          "'-', '.')",
                                          name.IsScalar() ? quote(name.Scalar()) : describe(name)));
      continue;
    }
    auto dup = std::find_if(out.begin(), out.end(),
                            [&](const Pool& p) { return p.name == name.Scalar(); });
    if (dup != out.end()) {
      diag.error(name.Mark(), fmt::format("duplicate pool '{}' (first at {})", name.Scalar(),
                                          pos_str(dup->mark)));
      continue;
    }
    Pool pool;
    pool.name = name.Scalar();
    pool.mark = diag.mark(name.Mark());
    read_pool(diag, value_node, name, pool, total_backends);
    out.push_back(std::move(pool));
  }
}

}  // namespace mcplb::config
