#include "config/dump.h"

#include <fmt/format.h>

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

template <typename... T>
void put(std::string& o, fmt::format_string<T...> f, T&&... args) {
  fmt::format_to(std::back_inserter(o), f, std::forward<T>(args)...);
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
  put(o, "forwarding:\n  preserve_host: {}\n  x_forwarded: {}\n",
      yes_no(cfg.forwarding.preserve_host), yes_no(cfg.forwarding.x_forwarded));
  put(o, "shutdown_timeout: {}\n", format_duration(cfg.shutdown_timeout));
  put(o, "log:\n  level: {}\n", cfg.log.level);
  put(o, "pools:{}\n", cfg.pools.empty() ? " {}" : "");
  for (const auto& p : cfg.pools) {
    put(o, "  {}:\n    policy: {}\n    backends:\n", dq(p.name), p.policy);
    for (const auto& b : p.backends) {
      put(o, "      - {{name: {}, address: {}, weight: {}}}\n", dq(b.name), dq(b.address.str()),
          b.weight);
    }
    put(o, "    keepalive: {{max_idle: {}, max_requests: {}, idle_timeout: {}}}\n",
        p.keepalive.max_idle, p.keepalive.max_requests, format_duration(p.keepalive.idle_timeout));
    put(o, "    timeouts: {{connect: {}, read: {}, idle_stream: {}}}\n",
        format_duration(p.timeouts.connect), format_duration(p.timeouts.read),
        format_duration(p.timeouts.idle_stream));
  }
  if (!cfg.routes.empty()) {
    put(o, "routes:\n");
    for (const auto& r : cfg.routes) {
      std::string match;
      if (!r.match.path_prefix.empty()) {
        match += fmt::format("path_prefix: {}", dq(r.match.path_prefix));
      }
      if (!r.match.host.empty()) {
        match += fmt::format("{}host: {}", match.empty() ? "" : ", ", dq(r.match.host));
      }
      put(o, "  - {{match: {{{}}}, pool: {}}}\n", match, dq(r.pool));
    }
  }
  return o;
}

}  // namespace mcplb::config
