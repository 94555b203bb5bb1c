// pools.<name>.failover and pools.<name>.overload: what mcplb does when a backend dies under
// a session or a request, and how much it lets wait for a busy backend.

#include <fmt/format.h>

#include <array>

#include "config/sections.h"

namespace mcplb::config {

using std::chrono::milliseconds;
using std::chrono::minutes;

void read_failover(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                   const std::string& path, Failover& out) {
  MapReader m(diag, value, path, key.Mark());
  static constexpr std::array<std::string_view, 2> kSessions{"reinitialize", "off"};
  static constexpr std::array<std::string_view, 2> kRetry{"idempotent", "none"};
  m.on("sessions",
       [&](const YAML::Node& v, const YAML::Node&) {
         if (auto s = m.reader().one_of(v, m.child("sessions"), "failover.sessions value", kSessions)) {
           out.reinitialize = *s == "reinitialize";
         }
       })
      .on("retry_tools",
          [&](const YAML::Node& v, const YAML::Node&) {
            if (auto s = m.reader().one_of(v, m.child("retry_tools"), "failover.retry_tools value", kRetry)) {
              out.retry_idempotent = *s == "idempotent";
            }
          })
      .on("tools",
          [&](const YAML::Node& v, const YAML::Node&) {
            const std::string p = m.child("tools");
            Reader r{diag, key.Mark()};
            if (!r.list(v, p)) {
              return;
            }
            if (v.size() > kMaxListEntries) {
              diag.error(v.Mark(), fmt::format("too many entries in '{}' (at most {})", p,
                                               kMaxListEntries));
              return;
            }
            size_t i = 0;
            for (auto it = v.begin(); it != v.end(); ++it, ++i) {
              const YAML::Node entry = *it;
              auto s = r.string(entry, fmt::format("{}[{}]", p, i));
              if (!s) {
                continue;
              }
              if (s->empty() || s->size() > kMaxGlobChars || has_control(*s)) {
                diag.error(entry.Mark(), fmt::format("'{}[{}]' must be a tool name or glob of 1 "
                                                     "to {} visible characters",
                                                     p, i, kMaxGlobChars));
                continue;
              }
              out.tools.push_back(std::move(*s));
            }
          })
      .on("retry_budget",
          [&](const YAML::Node& v, const YAML::Node&) {
            auto f = m.reader().decimal(v, m.child("retry_budget"));
            if (f && (*f < 0 || *f > 1)) {
              diag.error(v.Mark(), fmt::format("'{}' must be between 0 and 1 (a share of the "
                                               "requests in flight), got {}",
                                               m.child("retry_budget"), *f));
            } else if (f) {
              out.retry_budget = *f;
            }
          })
      .integer("min_retries", out.min_retries, 0, 10'000)
      .integer("max_sessions", out.max_sessions, 1, 100'000'000);
  m.run();
  if (!out.tools.empty() && !out.retry_idempotent) {
    diag.warning(key.Mark(), fmt::format("'{}.tools' has no effect with retry_tools: none", path));
  }
}

void read_overload(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                   const std::string& path, Overload& out) {
  MapReader m(diag, value, path, key.Mark());
  m.integer("max_in_flight", out.max_in_flight, 0, 10'000'000)
      .integer("queue", out.queue, 0, 1'000'000)
      .duration("queue_timeout", out.queue_timeout, milliseconds(1), minutes(10))
      .integer("retry_after", out.retry_after_seconds, 1, 3600);
  m.run();
  if (out.queue > 0 && out.max_in_flight == 0) {
    diag.warning(key.Mark(), fmt::format("'{}.queue' has no effect without max_in_flight", path));
  }
}

}  // namespace mcplb::config
