// session: and mcp: — the keys of MCP-aware routing that are not per route.

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "config/sections.h"
#include "config/web_values.h"

namespace mcplb::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

bool valid_key_id(std::string_view id) {
  return id.size() <= kMaxSessionKeyIdChars && valid_name(id, false);
}

void read_keys(Diagnostics& diag, const YAML::Node& v, const YAML::Node& k, Session& out) {
  Reader r{diag, k.Mark()};
  if (!r.list(v, "session.keys")) {
    return;
  }
  if (v.size() > kMaxSessionKeys) {
    diag.error(v.Mark(), fmt::format("too many session keys (at most {})", kMaxSessionKeys));
    return;
  }
  std::unordered_map<std::string, YAML::Mark> ids;
  size_t i = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++i) {
    const YAML::Node item = *it;  // a copy: yaml-cpp iterators yield temporaries
    std::string path = fmt::format("session.keys[{}]", i);
    if (!item.IsMap()) {
      diag.error(item.Mark(), fmt::format("expected a map for '{}', got {}", path, describe(item)));
      continue;
    }
    SessionKey key;
    bool id_ok = false;
    bool file_ok = false;
    MapReader m(diag, item, path);
    m.on("id",
         [&](const YAML::Node& val, const YAML::Node&) {
           auto s = m.reader().string(val, m.child("id"));
           if (!s) {
             return;
           }
           if (!valid_key_id(*s)) {
             diag.error(val.Mark(), fmt::format("invalid session key id {} (1 to {} letters, "
                                                "digits, '_', '-', '.')",
                                                quote(*s), kMaxSessionKeyIdChars));
             return;
           }
           if (auto [at, fresh] = ids.emplace(*s, val.Mark()); !fresh) {
             diag.error(val.Mark(), fmt::format("duplicate session key id {} (first at {})",
                                                quote(*s), pos_str(at->second)));
             return;
           }
           key.id = std::move(*s);
           id_ok = true;
         })
        .on("secret_file",
            [&](const YAML::Node& val, const YAML::Node&) {
              if (auto file = read_key_file(diag, m.reader(), val, m.child("secret_file"),
                                            "secret_file")) {
                key.secret_file = std::move(*file);
                key.mark = diag.mark(val.Mark());
                file_ok = true;
              }
            })
        .required("id")
        .required("secret_file");
    m.run();
    if (id_ok && file_ok) {
      out.keys.push_back(std::move(key));
    }
  }
}

// sse_path / message_path: an exact request path.
bool check_path(Diagnostics& diag, const YAML::Node& v, const std::string& path,
                const std::string& s) {
  if (!s.starts_with('/')) {
    diag.error(v.Mark(), fmt::format("'{}' must start with '/', got {}", path, quote(s)));
    return false;
  }
  bool bad = std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f || c == '?' || c == '#';
  });
  if (bad) {
    diag.error(v.Mark(), fmt::format("'{}' must not contain '?', '#', spaces, control or "
                                     "non-ASCII characters, got {}",
                                     path, quote(s)));
    return false;
  }
  return true;
}

// A list of strings; `item(text, node, path)` checks and stores one entry.
template <class Item>
void read_string_list(Diagnostics& diag, const YAML::Node& v, const YAML::Node& k,
                      const std::string& path, Item&& item) {
  Reader r{diag, k.Mark()};
  if (!r.list(v, path)) {
    return;
  }
  if (v.size() > kMaxListEntries) {
    diag.error(v.Mark(), fmt::format("too many entries in '{}' (at most {})", path,
                                     kMaxListEntries));
    return;
  }
  size_t i = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++i) {
    const YAML::Node entry = *it;
    std::string entry_path = fmt::format("{}[{}]", path, i);
    if (auto s = r.string(entry, entry_path)) {
      item(*s, entry, entry_path);
    }
  }
}

struct Origins {
  std::vector<std::string>& out;
  std::vector<YAML::Mark> marks;
  size_t entries = 0;  // in the file, valid or not
};

void read_origins(Diagnostics& diag, const YAML::Node& v, const YAML::Node& k,
                  const std::string& path, Origins& o) {
  // Anything given counts, so a wrong type is not also reported as "must not be empty".
  o.entries = v.IsNull() ? 0 : v.IsSequence() ? v.size() : 1;
  read_string_list(diag, v, k, path,
                   [&](const std::string& s, const YAML::Node& n, const std::string& p) {
                     std::string_view why;
                     auto origin = parse_origin(s, &why);
                     if (!origin) {
                       diag.error(n.Mark(), fmt::format("{} is not a valid origin for '{}' ({})",
                                                        quote(s), p, why));
                       return;
                     }
                     o.out.push_back(std::move(*origin));
                     o.marks.push_back(n.Mark());
                   });
}

void read_hosts(Diagnostics& diag, const YAML::Node& v, const YAML::Node& k,
                std::vector<std::string>& out) {
  read_string_list(
      diag, v, k, "mcp.allowed_hosts",
      [&](const std::string& s, const YAML::Node& n, const std::string& p) {
        if (s == "*") {
          diag.error(n.Mark(), "'*' is not a host pattern; leave 'mcp.allowed_hosts' empty to "
                               "allow any host");
          return;
        }
        auto host = parse_host_pattern(s);
        if (!host) {
          diag.error(n.Mark(), fmt::format("{} is not a valid host for '{}' (expected e.g. "
                                           "example.com, example.com:8443, *.example.com, [::1])",
                                           quote(s), p));
          return;
        }
        out.push_back(std::move(*host));
      });
}

void read_cors(Diagnostics& diag, const YAML::Node& v, const YAML::Node& k, Cors& cors,
               Origins& origins) {
  YAML::Mark enabled_at = YAML::Mark::null_mark();
  YAML::Mark origins_key = YAML::Mark::null_mark();
  MapReader m(diag, v, "mcp.cors", k.Mark());
  m.on("enabled",
       [&](const YAML::Node& val, const YAML::Node&) {
         if (auto b = m.reader().boolean(val, m.child("enabled"))) {
           cors.enabled = *b;
           enabled_at = val.Mark();
         }
       })
      .on("allow_origins",
          [&](const YAML::Node& val, const YAML::Node& key) {
            origins_key = key.Mark();
            read_origins(diag, val, key, m.child("allow_origins"), origins);
          })
      .duration("max_age", cors.max_age, Duration(0), hours(24));
  if (!m.run()) {
    return;
  }
  if (cors.enabled && origins.entries == 0) {
    diag.error(origins_key.is_null() ? enabled_at : origins_key,
               "'mcp.cors.allow_origins' must not be empty when 'mcp.cors.enabled' is true");
  }
}

}  // namespace

void read_session(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                  Session& out) {
  bool has_keys = false;
  MapReader m(diag, value, "session", key.Mark());
  m.on("keys",
       [&](const YAML::Node& v, const YAML::Node& k) {
         has_keys = true;
         read_keys(diag, v, k, out);
       })
      .duration("ttl", out.ttl, minutes(1), kMaxDuration);
  if (m.run() && !has_keys) {
    diag.warning(key.Mark(), "'session' has no 'keys': a key is generated at start, so session "
                             "tokens do not survive a restart and other replicas cannot open "
                             "them");
  }
}

void read_mcp(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key, Mcp& out) {
  YAML::Mark sse_at = YAML::Mark::null_mark();
  YAML::Mark message_at = YAML::Mark::null_mark();
  Origins allowed{out.allowed_origins, {}, 0};
  Origins cors{out.cors.allow_origins, {}, 0};
  MapReader m(diag, value, "mcp", key.Mark());
  bool path_error = false;
  auto path_key = [&](std::string_view name, std::string* dst, YAML::Mark* at) {
    m.on(name, [&m, &diag, &path_error, name, dst, at](const YAML::Node& v, const YAML::Node&) {
      std::string p = m.child(name);
      auto s = m.reader().string(v, p);
      if (s && check_path(diag, v, p, *s)) {
        *dst = std::move(*s);
        *at = v.Mark();
      } else {
        path_error = true;
      }
    });
  };
  path_key("sse_path", &out.sse_path, &sse_at);
  path_key("message_path", &out.message_path, &message_at);
  m.size("max_inspect_bytes", out.max_inspect_bytes, 1024, 16u << 20)
      .on("allowed_hosts",
          [&](const YAML::Node& v, const YAML::Node& k) {
            read_hosts(diag, v, k, out.allowed_hosts);
          })
      .on("allowed_origins",
          [&](const YAML::Node& v, const YAML::Node& k) {
            read_origins(diag, v, k, "mcp.allowed_origins", allowed);
          })
      .on("cors", [&](const YAML::Node& v, const YAML::Node& k) {
        read_cors(diag, v, k, out.cors, cors);
      });
  if (!m.run()) {
    return;
  }
  if (!path_error && out.sse_path == out.message_path) {
    // Report at whichever of the two was written last (or the only one written).
    bool message_later = sse_at.is_null() ||
                         (!message_at.is_null() && message_at.pos > sse_at.pos);
    diag.error(message_later ? message_at : sse_at,
               fmt::format("'mcp.sse_path' and 'mcp.message_path' must differ, both are {}",
                           quote(out.sse_path)));
  }
  const auto& allow = out.allowed_origins;
  if (allow.empty() || std::find(allow.begin(), allow.end(), "*") != allow.end()) {
    return;
  }
  for (size_t i = 0; i < out.cors.allow_origins.size(); ++i) {
    const std::string& o = out.cors.allow_origins[i];
    if (o != "*" && std::find(allow.begin(), allow.end(), o) == allow.end()) {
      diag.warning(cors.marks[i],
                   fmt::format("CORS allows origin {}, but 'mcp.allowed_origins' does not, so "
                               "its requests are refused",
                               quote(o)));
    }
  }
}

}  // namespace mcplb::config
