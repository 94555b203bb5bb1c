// pools.<name>.health (active and passive checks, panic mode) and the rules across its keys.
// Everything accepted here is also accepted by health::validate() (src/health/probe_spec.cc),
// so every loaded pool builds a valid ProbeSpec: config sits below the health module and
// cannot ask it (docs/config.md, "Health checks").

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "config/load.h"
#include "config/sections.h"

namespace mcplb::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<std::string_view, 2> kProbeTypes{"http", "mcp"};
constexpr uint32_t kMinStatus = 100;
constexpr uint32_t kMaxStatus = 599;
constexpr uint64_t kMaxThreshold = 100;
constexpr uint64_t kMaxPassiveCount = 1000;
constexpr double kMaxJitter = 0.5;
constexpr Duration kMinFastRecheck = milliseconds(10);
constexpr Duration kSlowDetection = minutes(5);  // warn when a dead backend takes longer

// A key given in the file: where, and whether its value was valid.
struct Seen {
  YAML::Mark key = YAML::Mark::null_mark();  // null = the key is absent
  YAML::Mark at = YAML::Mark::null_mark();   // the value (its key when the value is empty)
  bool ok = false;
  bool present() const { return !key.is_null(); }
  bool bad() const { return present() && !ok; }
};

// MapReader::on that records the key in `seen`; `read(value, path)` returns whether the
// value was valid (after reporting when not).
template <class Read>
void on_seen(MapReader& m, std::string_view key, Seen& seen, Read read) {
  m.on(key, [&m, &seen, read, k = std::string(key)](const YAML::Node& v, const YAML::Node& kn) {
    seen.key = kn.Mark();
    seen.at = m.reader().at(v);
    seen.ok = read(v, m.child(k));
  });
}

// Goes into a request line or header verbatim: visible ASCII other than '"' and '\'
// (what health::validate() accepts).
bool request_text(std::string_view s, bool path) {
  return std::none_of(s.begin(), s.end(), [path](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f || c == '"' || c == '\\' || (path && c == '#');
  });
}

std::optional<std::string> read_probe_path(const Reader& r, const YAML::Node& v,
                                           const std::string& path) {
  auto s = r.string(v, path);
  if (!s) {
    return std::nullopt;
  }
  if (!s->starts_with('/')) {
    r.diag.error(v.Mark(), fmt::format("'{}' must start with '/', got {}", path, quote(*s)));
    return std::nullopt;
  }
  if (!request_text(*s, true)) {
    r.diag.error(v.Mark(), fmt::format("'{}' must not contain '#', quotes, backslashes, spaces, "
                                       "control or non-ASCII characters, got {}",
                                       path, quote(*s)));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> read_probe_host(const Reader& r, const YAML::Node& v,
                                           const std::string& path) {
  auto s = r.string(v, path);
  if (!s) {
    return std::nullopt;
  }
  if (s->empty()) {
    r.diag.error(v.Mark(), fmt::format("'{}' must not be empty (leave it out to send the "
                                       "backend address)",
                                       path));
    return std::nullopt;
  }
  if (!request_text(*s, false)) {
    r.diag.error(v.Mark(), fmt::format("'{}' must not contain quotes, backslashes, spaces, "
                                       "control or non-ASCII characters, got {}",
                                       path, quote(*s)));
    return std::nullopt;
  }
  return s;
}

// "204" or "200-399": one status or an inclusive range, each 100..599.
bool read_expect(const Reader& r, const YAML::Node& v, const std::string& path, ActiveHealth& out) {
  std::string_view s = v.IsScalar() ? std::string_view(v.Scalar()) : std::string_view();
  auto status = [](std::string_view d) -> std::optional<uint32_t> {
    if (d.size() != 3 ||
        !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return static_cast<uint32_t>((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
  };
  size_t dash = s.find('-');
  auto lo = status(s.substr(0, dash));
  auto hi = dash == s.npos ? lo : status(s.substr(dash + 1));
  if (!lo || !hi) {
    r.diag.error(r.at(v), fmt::format("expected a status or a status range (e.g. 204, 200-399) "
                                      "for '{}', got {}",
                                      path, describe(v)));
    return false;
  }
  if (*lo < kMinStatus || *hi > kMaxStatus) {
    r.diag.error(v.Mark(), fmt::format("'{}' must lie within {}-{}, got {}", path, kMinStatus,
                                       kMaxStatus, quote(s)));
    return false;
  }
  if (*lo > *hi) {
    r.diag.error(v.Mark(), fmt::format("'{}' must be written low-high, got {}", path, quote(s)));
    return false;
  }
  out.expect_min = *lo;
  out.expect_max = *hi;
  return true;
}

// An MCP protocol revision: a date YYYY-MM-DD (e.g. 2025-11-25).
bool valid_revision(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    return std::all_of(s.begin() + from, s.begin() + from + n,
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(0, 4) || !digits(5, 2) ||
      !digits(8, 2)) {
    return false;
  }
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

struct ActiveSeen {
  Seen expect;
  Seen interval;
  Seen timeout;
  Seen fast_recheck;
  Seen protocol_version;
  bool type_ok = true;  // false: 'type' was given and is unknown
};

// Rules across the keys of `active`, which may come in any order; fills the type's default
// path. Warns when a dead backend would take long to detect.
void check_active(Diagnostics& diag, const std::string& path, const std::string& pool,
                  const YAML::Mark& active_key, const ActiveSeen& s, ActiveHealth& out) {
  const bool http = out.type == "http";
  if (s.type_ok) {  // against an unknown type the options cannot be judged
    if (!http && s.expect.present()) {
      diag.error(s.expect.key, "'expect' applies only to type http");
    }
    if (http && s.protocol_version.present()) {
      diag.error(s.protocol_version.key, "'protocol_version' applies only to type mcp");
    }
  }
  if (out.path.empty()) {
    out.path = http ? "/" : "/mcp";
  }
  if (s.interval.bad()) {
    return;  // nothing to compare timeout and fast_recheck with
  }
  bool consistent = true;
  if (!s.timeout.bad() && out.timeout >= out.interval) {
    consistent = false;
    // An absent timeout is the default's fault only together with the interval written.
    const YAML::Mark& at = s.timeout.present() ? s.timeout.at : s.interval.at;
    diag.error(at, fmt::format("'{}.timeout' must be less than 'interval' ({}), got {}{}", path,
                               format_duration(out.interval), format_duration(out.timeout),
                               s.timeout.present() ? "" : " (the default)"));
  }
  if (s.fast_recheck.ok && out.fast_recheck.count() != 0 && out.fast_recheck >= out.interval) {
    consistent = false;
    diag.error(s.fast_recheck.at,
               fmt::format("'{}.fast_recheck' must be 0 (off) or less than 'interval' ({}), got "
                           "{}",
                           path, format_duration(out.interval), format_duration(out.fast_recheck)));
  }
  if (!s.fast_recheck.present() && out.fast_recheck >= out.interval) {
    out.fast_recheck = Duration(0);  // the checker would not use it: the interval is as fast
  }
  if (!consistent || s.timeout.bad() || s.fast_recheck.bad()) {
    return;
  }
  // Worst case: up to one interval until the first failed probe, then unhealthy_threshold - 1
  // more probes (fast_recheck apart, or later when a probe runs into its timeout), the last
  // one taking its whole timeout (health/README.md, "Schedule").
  const bool fast = out.fast_recheck.count() > 0;
  const Duration step = fast ? std::max(out.fast_recheck, out.timeout) : out.interval;
  const Duration detect = out.interval + step * (out.unhealthy_threshold - 1) + out.timeout;
  if (detect > kSlowDetection) {
    diag.warning(
        s.interval.present() ? s.interval.at : active_key,
        fmt::format("pool '{}': a dead backend takes up to about {} to detect "
                    "(interval {}, unhealthy_threshold {}, fast_recheck {}, timeout {})",
                    pool, format_duration(detect), format_duration(out.interval),
                    out.unhealthy_threshold, fast ? format_duration(out.fast_recheck) : "off",
                    format_duration(out.timeout)));
  }
}

void read_active(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 const std::string& path, const std::string& pool, ActiveHealth& out) {
  out.enabled = true;  // presence turns the checks on, even `active: {}`
  out.mark = diag.mark(key.Mark());
  ActiveSeen s;
  MapReader m(diag, value, path, key.Mark());
  m.on("type",
       [&](const YAML::Node& v, const YAML::Node&) {
         auto t = m.reader().one_of(v, m.child("type"), "health check type", kProbeTypes);
         s.type_ok = t.has_value();
         if (t) {
           out.type = std::move(*t);
         }
       })
      .on("path",
          [&](const YAML::Node& v, const YAML::Node&) {
            if (auto p = read_probe_path(m.reader(), v, m.child("path"))) {
              out.path = std::move(*p);
            }
          })
      .on("host", [&](const YAML::Node& v, const YAML::Node&) {
        if (auto h = read_probe_host(m.reader(), v, m.child("host"))) {
          out.host = std::move(*h);
        }
      });
  on_seen(m, "expect", s.expect, [&](const YAML::Node& v, const std::string& p) {
    return read_expect(m.reader(), v, p, out);
  });
  auto duration = [&](Duration& dst, Duration min, Duration max) {
    return [&m, &dst, min, max](const YAML::Node& v, const std::string& p) {
      auto d = m.reader().duration(v, p, min, max);
      dst = d.value_or(dst);
      return d.has_value();
    };
  };
  on_seen(m, "interval", s.interval, duration(out.interval, milliseconds(100), hours(1)));
  on_seen(m, "timeout", s.timeout, duration(out.timeout, milliseconds(10), hours(1)));
  m.integer("healthy_threshold", out.healthy_threshold, 1, kMaxThreshold)
      .integer("unhealthy_threshold", out.unhealthy_threshold, 1, kMaxThreshold)
      .on("jitter", [&](const YAML::Node& v, const YAML::Node&) {
        std::string p = m.child("jitter");
        auto j = m.reader().decimal(v, p);
        if (j && *j > kMaxJitter) {
          diag.error(v.Mark(), fmt::format("'{}' must be between 0 and {}, got {}", p, kMaxJitter,
                                           quote(v.Scalar())));
        } else if (j) {
          out.jitter = *j;
        }
      });
  on_seen(m, "fast_recheck", s.fast_recheck, [&](const YAML::Node& v, const std::string& p) {
    auto d = m.reader().duration(v, p, Duration(0), hours(1));
    if (d && d->count() != 0 && *d < kMinFastRecheck) {
      diag.error(v.Mark(), fmt::format("'{}' must be 0 (off) or at least {}, got {}", p,
                                       format_duration(kMinFastRecheck), format_duration(*d)));
      return false;
    }
    out.fast_recheck = d.value_or(out.fast_recheck);
    return d.has_value();
  });
  on_seen(m, "protocol_version", s.protocol_version,
          [&](const YAML::Node& v, const std::string& p) {
            auto pv = m.reader().string(v, p);
            if (pv && !valid_revision(*pv)) {
              diag.error(v.Mark(), fmt::format("'{}' must be an MCP protocol revision "
                                               "YYYY-MM-DD (e.g. 2025-11-25), got {}",
                                               p, quote(*pv)));
              return false;
            }
            out.protocol_version = pv.value_or(out.protocol_version);
            return pv.has_value();
          });
  if (m.run()) {
    check_active(diag, path, pool, key.Mark(), s, out);
  } else if (out.path.empty()) {
    out.path = "/";
  }
}

void read_passive(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                  const std::string& path, PassiveHealth& out) {
  Seen base;
  Seen max;
  MapReader m(diag, value, path, key.Mark());
  m.integer("max_fails", out.max_fails, 0, kMaxPassiveCount)
      .duration("fail_timeout", out.fail_timeout, seconds(1), hours(1))
      .integer("consecutive_errors", out.consecutive_errors, 0, kMaxPassiveCount)
      .integer("max_ejection_percent", out.max_ejection_percent, 0, 100);
  auto duration = [&](Duration& dst, Duration hi) {
    return [&m, &dst, hi](const YAML::Node& v, const std::string& p) {
      auto d = m.reader().duration(v, p, seconds(1), hi);
      dst = d.value_or(dst);
      return d.has_value();
    };
  };
  on_seen(m, "base_ejection_time", base, duration(out.base_ejection_time, hours(1)));
  on_seen(m, "max_ejection_time", max, duration(out.max_ejection_time, hours(24)));
  if (!m.run() || base.bad()) {
    return;
  }
  if (!max.present()) {
    // As Envoy: the default cap, or base_ejection_time when that is longer.
    out.max_ejection_time = std::max(out.max_ejection_time, out.base_ejection_time);
  } else if (max.ok && out.max_ejection_time < out.base_ejection_time) {
    diag.error(max.at, fmt::format("'{}.max_ejection_time' must be at least "
                                   "'base_ejection_time' ({}), got {}",
                                   path, format_duration(out.base_ejection_time),
                                   format_duration(out.max_ejection_time)));
  }
}

}  // namespace

void read_health(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 const std::string& path, const std::string& pool, Health& out) {
  MapReader m(diag, value, path, key.Mark());
  m.on("active",
       [&](const YAML::Node& v, const YAML::Node& k) {
         read_active(diag, v, k, m.child("active"), pool, out.active);
       })
      .on("passive",
          [&](const YAML::Node& v, const YAML::Node& k) {
            read_passive(diag, v, k, m.child("passive"), out.passive);
          })
      .boolean("panic", out.panic);
  if (!m.run()) {
    return;
  }
  if (!out.active.enabled && out.passive.max_fails == 0 && out.passive.consecutive_errors == 0) {
    diag.warning(key.Mark(), fmt::format("pool '{}' has no health checks: a dead backend is "
                                         "noticed only when connections to it fail",
                                         pool));
  }
}

}  // namespace mcplb::config
