#include "config/dump.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "config/load.h"
#include "config/reader.h"

namespace mcplb::config {
namespace {

// A YAML double-quoted scalar; safe for any bytes.
std::string dq(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

const char* yes_no(bool b) { return b ? "true" : "false"; }

// ["a", "b"] (flow list of double-quoted scalars).
std::string dq_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    out += (i == 0 ? "" : ", ") + dq(v[i]);
  }
  return out + "]";
}

// A number in the syntax Reader::decimal reads back to the same double: the shortest
// representation, spelled without an exponent ("0.00001", not "1e-05").
std::string decimal_str(double v) {
  std::string s = fmt::format("{}", v);
  size_t e = s.find('e');
  if (e == std::string::npos) {
    return s;
  }
  // d[.ddd]e-XX: as many decimals as the exponent plus the fraction's digits. Positive
  // exponents only come with integral values, which print exactly with none.
  int exp = std::stoi(s.substr(e + 1));
  size_t dot = s.find('.');
  int fraction = dot == std::string::npos || dot > e ? 0 : static_cast<int>(e - dot - 1);
  return fmt::format("{:.{}f}", v, std::max(0, fraction - exp));
}

// Only the options of the pool's policy: an option of another policy is an error on load.
std::string policy_str(const PolicyConfig& p) {
  if (p.name == "hash") {
    const HashKey& k = p.key;
    std::string key;
    switch (k.source) {
      case HashKey::Source::header:
        key = fmt::format("{{header: {}}}", dq(k.name));
        break;
      case HashKey::Source::cookie:
        key = fmt::format("{{cookie: {}}}", dq(k.name));
        break;
      case HashKey::Source::query:
        key = fmt::format("{{query: {}}}", dq(k.name));
        break;
      case HashKey::Source::jwt_claim:
        key = k.jwt_key_file.empty()
                  ? fmt::format("{{jwt_claim: {}}}", dq(k.name))
                  : fmt::format("{{jwt_claim: {}, jwt_key_file: {}, jwt_algorithm: {}}}",
                                dq(k.name), dq(k.jwt_key_file), k.jwt_algorithm);
        break;
      case HashKey::Source::none:
        key = "{}";
        break;
    }
    return fmt::format("{{name: hash, key: {}, fallback: {}, balance_factor: {}}}", key,
                       p.fallback, decimal_str(p.balance_factor));
  }
  if (p.name == "ip_hash") {
    return fmt::format("{{name: ip_hash, balance_factor: {}}}", decimal_str(p.balance_factor));
  }
  if (p.name == "least_request") {
    return fmt::format("{{name: least_request, ewma: {}, decay: {}}}", yes_no(p.ewma),
                       format_duration(p.decay));
  }
  return p.name;
}

template <typename... T>
void put(std::string& o, fmt::format_string<T...> f, T&&... args) {
  fmt::format_to(std::back_inserter(o), f, std::forward<T>(args)...);
}

// A pool's health section, with the effective values; `active` only when it is on (its
// presence is what turns it on), and each type's own options only.
void put_health(std::string& o, const Health& h) {
  put(o, "    health:\n");
  if (h.active.enabled) {
    const ActiveHealth& a = h.active;
    put(o, "      active:\n        type: {}\n        path: {}\n", a.type, dq(a.path));
    if (!a.host.empty()) {
      put(o, "        host: {}\n", dq(a.host));
    }
    if (a.type == "http") {
      if (a.expect_min == a.expect_max) {
        put(o, "        expect: {}\n", a.expect_min);
      } else {
        put(o, "        expect: {}-{}\n", a.expect_min, a.expect_max);
      }
    }
    put(o, "        interval: {}\n        timeout: {}\n", format_duration(a.interval),
        format_duration(a.timeout));
    put(o, "        healthy_threshold: {}\n        unhealthy_threshold: {}\n",
        a.healthy_threshold, a.unhealthy_threshold);
    put(o, "        jitter: {}\n        fast_recheck: {}\n", decimal_str(a.jitter),
        format_duration(a.fast_recheck));
    if (a.type == "mcp") {
      put(o, "        protocol_version: {}\n", dq(a.protocol_version));
    }
  }
  const PassiveHealth& p = h.passive;
  put(o, "      passive: {{max_fails: {}, fail_timeout: {}, consecutive_errors: {},\n", p.max_fails,
      format_duration(p.fail_timeout), p.consecutive_errors);
  put(o,
      "                base_ejection_time: {}, max_ejection_time: {}, "
      "max_ejection_percent: {}}}\n",
      format_duration(p.base_ejection_time), format_duration(p.max_ejection_time),
      p.max_ejection_percent);
  put(o, "      panic: {}\n", yes_no(h.panic));
}

}  // namespace

std::string dump(const Config& cfg) {
  std::string o;
  put(o, "listen:\n");
  for (const auto& l : cfg.listen) {
    put(o, "  - {{address: {}, max_connections: {}}}\n", dq(l.address.str()), l.max_connections);
  }
  if (cfg.workers == 0) {
    put(o, "workers: auto\n");
  } else {
    put(o, "workers: {}\n", cfg.workers);
  }
  const auto& c = cfg.client;
  put(o, "client:\n  max_header_bytes: {}\n  max_body_bytes: {}\n", format_size(c.max_header_bytes),
      format_size(c.max_body_bytes));
  put(o, "  header_timeout: {}\n  idle_timeout: {}\n  send_timeout: {}\n",
      format_duration(c.header_timeout), format_duration(c.idle_timeout),
      format_duration(c.send_timeout));
  put(o, "forwarding:\n  preserve_host: {}\n  x_forwarded: {}\n  trusted_proxies: {}\n",
      yes_no(cfg.forwarding.preserve_host), yes_no(cfg.forwarding.x_forwarded),
      dq_list(cfg.forwarding.trusted_proxies));
  put(o, "shutdown_timeout: {}\n", format_duration(cfg.shutdown_timeout));
  put(o, "log:\n  level: {}\n", cfg.log.level);
  put(o, "session:\n  keys:{}\n", cfg.session.keys.empty() ? " []" : "");
  for (const auto& k : cfg.session.keys) {
    put(o, "    - {{id: {}, secret_file: {}}}\n", dq(k.id), dq(k.secret_file));
  }
  put(o, "  ttl: {}\n", format_duration(cfg.session.ttl));
  const auto& m = cfg.mcp;
  put(o, "mcp:\n  sse_path: {}\n  message_path: {}\n  max_inspect_bytes: {}\n", dq(m.sse_path),
      dq(m.message_path), format_size(m.max_inspect_bytes));
  put(o, "  allowed_hosts: {}\n  allowed_origins: {}\n", dq_list(m.allowed_hosts),
      dq_list(m.allowed_origins));
  put(o, "  cors: {{enabled: {}, allow_origins: {}, max_age: {}}}\n", yes_no(m.cors.enabled),
      dq_list(m.cors.allow_origins), format_duration(m.cors.max_age));
  if (cfg.admin.enabled) {  // the key's presence is what enables it
    put(o, "admin:\n  listen: {}\n", dq(cfg.admin.listen.str()));
    if (!cfg.admin.token_file.empty()) {
      put(o, "  token_file: {}\n", dq(cfg.admin.token_file));
    }
    if (!cfg.admin.metrics_token_file.empty()) {
      put(o, "  metrics_token_file: {}\n", dq(cfg.admin.metrics_token_file));
    }
  }
  put(o, "pools:{}\n", cfg.pools.empty() ? " {}" : "");
  for (const auto& p : cfg.pools) {
    put(o, "  {}:\n    policy: {}\n", dq(p.name), policy_str(p.policy));
    if (p.sticky.enabled) {  // the key's presence is what enables it
      const Sticky& st = p.sticky;
      put(o,
          "    sticky: {{cookie: {}, ttl: {}, secure: {}, httponly: {}, path: {}, "
          "same_site: {}}}\n",
          dq(st.cookie), format_duration(st.ttl), yes_no(st.secure), yes_no(st.httponly),
          dq(st.path), st.same_site);
    }
    put(o, "    slow_start: {}\n    backends:\n", format_duration(p.slow_start));
    for (const auto& b : p.backends) {
      put(o, "      - {{name: {}, address: {}, weight: {}}}\n", dq(b.name), dq(b.address.str()),
          b.weight);
    }
    put(o, "    keepalive: {{max_idle: {}, max_requests: {}, idle_timeout: {}}}\n",
        p.keepalive.max_idle, p.keepalive.max_requests, format_duration(p.keepalive.idle_timeout));
    put(o, "    timeouts: {{connect: {}, read: {}, idle_stream: {}}}\n",
        format_duration(p.timeouts.connect), format_duration(p.timeouts.read),
        format_duration(p.timeouts.idle_stream));
    put_health(o, p.health);
    put(o, "    drain_timeout: {}\n", format_duration(p.drain_timeout));
    // Written only when set, so dumps of configs without them stay as they were.
    if (p.failover != Failover{}) {
      put(o,
        "    failover: {{sessions: {}, retry_tools: {}, tools: {}, retry_budget: {}, "
        "min_retries: {}, max_sessions: {}}}\n",
        p.failover.reinitialize ? "reinitialize" : "off",
        p.failover.retry_idempotent ? "idempotent" : "none", dq_list(p.failover.tools),
        decimal_str(p.failover.retry_budget), p.failover.min_retries, p.failover.max_sessions);
    }
    if (p.overload != Overload{}) {
      put(o,
        "    overload: {{max_in_flight: {}, queue: {}, queue_timeout: {}, retry_after: {}}}\n",
        p.overload.max_in_flight, p.overload.queue, format_duration(p.overload.queue_timeout),
        p.overload.retry_after_seconds);
    }
  }
  if (!cfg.routes.empty()) {
    put(o, "routes:\n");
    for (const auto& r : cfg.routes) {
      std::string match;
      if (!r.match.path_prefix.empty()) {
        match += fmt::format("path_prefix: {}", dq(r.match.path_prefix));
      }
      auto add = [&](std::string_view key, const std::string& value) {
        if (!value.empty()) {
          match += fmt::format("{}{}: {}", match.empty() ? "" : ", ", key, dq(value));
        }
      };
      add("host", r.match.host);
      add("method", r.match.method);
      add("mcp_method", r.match.mcp_method);
      add("tool", r.match.tool);
      if (!r.match.headers.empty()) {
        std::string headers;
        for (const auto& [name, value] : r.match.headers) {
          headers += fmt::format("{}{}: {}", headers.empty() ? "" : ", ", dq(name), dq(value));
        }
        match += fmt::format("{}headers: {{{}}}", match.empty() ? "" : ", ", headers);
      }
      put(o, "  - {{match: {{{}}}, pool: {}}}\n", match, dq(r.pool));
    }
  }
  return o;
}

}  // namespace mcplb::config
