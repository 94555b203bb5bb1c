// pools.<name>.policy and .sticky, and the rules across a pool's balancing keys. Each policy
// option is checked here against the policy it belongs to: config sits below the balance
// module, so the policies cannot check their own options (docs/config.md, "policy").

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "config/policies.h"
#include "config/sections.h"
#include "config/suggest.h"
#include "config/web_values.h"

namespace mcplb::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<std::string_view, 5> kJwtAlgorithms{"HS256", "HS384", "HS512", "RS256",
                                                         "ES256"};
constexpr std::array<std::string_view, 3> kSameSite{"lax", "strict", "none"};
constexpr std::string_view kTokenChars = "letters, digits and !#$%&'*+-.^_`|~";
constexpr double kMaxBalanceFactor = 100;

// Policies that place a request by hashing something of it (a key, the client address).
bool is_hash(std::string_view policy) { return policy == "hash" || policy == "ip_hash"; }

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return s;
}

std::string to_upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  });
  return s;
}

// balance_factor: 0 (off), or a number (Reader::decimal) in (1, 100].
std::optional<double> read_factor(const Reader& r, const YAML::Node& v, const std::string& path) {
  auto f = r.decimal(v, path);
  if (f && *f != 0 && (*f <= 1.0 || *f > kMaxBalanceFactor)) {
    r.diag.error(r.at(v), fmt::format("'{}' must be 0 (off) or more than 1 and at most {}, got {}",
                                      path, kMaxBalanceFactor, quote(v.Scalar())));
    return std::nullopt;
  }
  return f;
}

// A name read from a request (query argument, JWT claim): not empty, no control characters.
std::optional<std::string> read_plain_name(MapReader& m, const YAML::Node& v,
                                           const std::string& path) {
  auto s = m.reader().string(v, path);
  if (!s) {
    return std::nullopt;
  }
  if (s->empty()) {
    m.diag().error(v.Mark(), fmt::format("'{}' must not be empty", path));
    return std::nullopt;
  }
  if (has_control(*s)) {
    m.diag().error(v.Mark(), fmt::format("'{}' must not contain control characters, got {}",
                                         path, quote(*s)));
    return std::nullopt;
  }
  return s;
}

// A cookie name (RFC 6265 cookie-name: an RFC 2616 token, the same set as a header name).
std::optional<std::string> read_cookie_name(const Reader& r, const YAML::Node& v,
                                            const std::string& path) {
  auto s = r.string(v, path);
  if (s && !valid_header_name(*s)) {
    r.diag.error(v.Mark(),
                 fmt::format("invalid cookie name {} for '{}' (use {})", quote(*s), path,
                             kTokenChars));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> read_jwt_algorithm(const Reader& r, const YAML::Node& v,
                                              const std::string& path) {
  auto s = r.string(v, path);
  if (!s) {
    return std::nullopt;
  }
  if (std::find(kJwtAlgorithms.begin(), kJwtAlgorithms.end(), *s) != kJwtAlgorithms.end()) {
    return s;
  }
  // "rs256" is as far from RS256 as from HS256 by edit distance: suggest by case first.
  std::string upper = to_upper(*s);
  std::string hint;
  if (std::find(kJwtAlgorithms.begin(), kJwtAlgorithms.end(), upper) != kJwtAlgorithms.end()) {
    hint = fmt::format(" (algorithm names are case-sensitive: did you mean '{}'?)", upper);
  } else {
    hint = did_you_mean(*s, kJwtAlgorithms);
    if (hint.empty()) {
      hint = fmt::format(" (expected one of: {})", fmt::join(kJwtAlgorithms, ", "));
    }
  }
  r.diag.error(v.Mark(), fmt::format("unknown JWT algorithm {}{}", quote(*s), hint));
  return std::nullopt;
}

// policy.key: exactly one source (header | cookie | query | jwt_claim), and for jwt_claim an
// optional verification key (jwt_key_file + jwt_algorithm, both or neither).
void read_hash_key(Diagnostics& diag, const YAML::Node& v, const YAML::Node& k,
                   const std::string& path, HashKey& out) {
  MapReader m(diag, v, path, k.Mark());
  std::string_view source;  // the first source key given, valid or not
  YAML::Mark file_key = YAML::Mark::null_mark();
  YAML::Mark alg_key = YAML::Mark::null_mark();
  auto on_source = [&](std::string_view name, HashKey::Source src) {
    m.on(name, [&, name, src](const YAML::Node& val, const YAML::Node& key) {
      if (!source.empty()) {
        diag.error(key.Mark(), fmt::format("'{}' takes exactly one of header, cookie, query, "
                                           "jwt_claim, got both '{}' and '{}'",
                                           path, source, name));
        return;
      }
      source = name;
      std::string p = m.child(name);
      std::optional<std::string> s;
      switch (src) {
        case HashKey::Source::header:
          s = m.reader().string(val, p);
          if (s && !valid_header_name(*s)) {
            diag.error(val.Mark(), fmt::format("invalid header name {} for '{}' (use {})",
                                               quote(*s), p, kTokenChars));
            return;
          }
          if (s) {
            s = to_lower(std::move(*s));  // field names are case-insensitive
          }
          break;
        case HashKey::Source::cookie:
          s = read_cookie_name(m.reader(), val, p);
          break;
        default:
          s = read_plain_name(m, val, p);
          break;
      }
      if (s) {
        out.source = src;
        out.name = std::move(*s);
      }
    });
  };
  on_source("header", HashKey::Source::header);
  on_source("cookie", HashKey::Source::cookie);
  on_source("query", HashKey::Source::query);
  on_source("jwt_claim", HashKey::Source::jwt_claim);
  m.on("jwt_key_file",
       [&](const YAML::Node& val, const YAML::Node& key) {
         file_key = key.Mark();
         if (auto f = read_key_file(diag, m.reader(), val, m.child("jwt_key_file"),
                                    "jwt_key_file")) {
           out.jwt_key_file = std::move(*f);
           out.mark = diag.mark(val.Mark());
         }
       })
      .on("jwt_algorithm", [&](const YAML::Node& val, const YAML::Node& key) {
        alg_key = key.Mark();
        if (auto a = read_jwt_algorithm(m.reader(), val, m.child("jwt_algorithm"))) {
          out.jwt_algorithm = std::move(*a);
        }
      });
  if (!m.run()) {
    return;
  }
  if (source.empty()) {
    diag.error(Reader{diag, k.Mark()}.at(v),
               fmt::format("'{}' needs one of header, cookie, query, jwt_claim", path));
    return;
  }
  if (source != "jwt_claim") {
    if (!file_key.is_null()) {
      diag.error(file_key, "'jwt_key_file' applies only with 'jwt_claim'");
    }
    if (!alg_key.is_null()) {
      diag.error(alg_key, "'jwt_algorithm' applies only with 'jwt_claim'");
    }
    return;
  }
  if (!file_key.is_null() && alg_key.is_null()) {
    diag.error(file_key, fmt::format("'{}.jwt_key_file' needs 'jwt_algorithm' (one of {})", path,
                                     fmt::join(kJwtAlgorithms, ", ")));
  } else if (file_key.is_null() && !alg_key.is_null()) {
    diag.error(alg_key, fmt::format("'{}.jwt_algorithm' needs 'jwt_key_file' (the key that "
                                    "verifies the token)",
                                    path));
  }
}

// Marks of the options given in policy's map form (their keys), to check them against the
// policy name, which may come after them.
struct OptionMarks {
  YAML::Mark key = YAML::Mark::null_mark();
  YAML::Mark fallback = YAML::Mark::null_mark();
  YAML::Mark balance_factor = YAML::Mark::null_mark();
  YAML::Mark ewma = YAML::Mark::null_mark();
  YAML::Mark decay = YAML::Mark::null_mark();
};

void check_options(Diagnostics& diag, const std::string& path, const YAML::Node& value,
                   const PolicyConfig& p, const OptionMarks& o) {
  auto only = [&](const YAML::Mark& at, std::string_view option, std::string_view owners) {
    if (!at.is_null()) {
      diag.error(at, fmt::format("'{}' applies only to {}", option, owners));
    }
  };
  if (p.name != "hash") {
    only(o.key, "key", "policy hash");
    only(o.fallback, "fallback", "policy hash");
  }
  if (!is_hash(p.name)) {
    only(o.balance_factor, "balance_factor", "policies hash and ip_hash");
  }
  if (p.name != "least_request") {
    only(o.ewma, "ewma", "policy least_request");
    only(o.decay, "decay", "policy least_request");
  } else if (!p.ewma && !o.decay.is_null()) {
    diag.warning(o.decay, "'decay' has no effect with 'ewma: false'");
  }
  if (p.name == "hash" && o.key.is_null()) {
    diag.error(value.Mark(), fmt::format("missing required key 'key' in '{}' (policy hash "
                                         "needs a header, cookie, query or jwt_claim to hash)",
                                         path));
  }
}

}  // namespace

void read_policy(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 const std::string& path, PolicyConfig& out) {
  Reader r{diag, key.Mark()};
  if (value.IsScalar()) {
    if (auto name = r.one_of(value, path, "policy", known_policies())) {
      if (*name == "hash") {
        diag.error(value.Mark(), "policy hash needs a key; write the policy as a map, e.g. "
                                 "{name: hash, key: {header: X-Tenant}}");
        return;
      }
      out.name = std::move(*name);
    }
    return;
  }
  if (!value.IsMap()) {
    diag.error(r.at(value), fmt::format("expected a policy name or a map for '{}', got {}", path,
                                        describe(value)));
    return;
  }
  OptionMarks o;
  bool name_ok = false;
  MapReader m(diag, value, path, key.Mark());
  m.on("name",
       [&](const YAML::Node& v, const YAML::Node&) {
         if (auto name = m.reader().one_of(v, m.child("name"), "policy", known_policies())) {
           out.name = std::move(*name);
           name_ok = true;
         }
       })
      .on("key",
          [&](const YAML::Node& v, const YAML::Node& k) {
            o.key = k.Mark();
            read_hash_key(diag, v, k, m.child("key"), out.key);
          })
      .on("fallback",
          [&](const YAML::Node& v, const YAML::Node& k) {
            o.fallback = k.Mark();
            std::string p = m.child("fallback");
            auto name = m.reader().one_of(v, p, "policy", known_policies());
            if (name && is_hash(*name)) {
              // A request without the key has nothing for a hash policy to hash either.
              diag.error(v.Mark(), fmt::format("'{}' must be a policy other than hash and "
                                               "ip_hash, got {}",
                                               p, quote(*name)));
            } else if (name) {
              out.fallback = std::move(*name);
            }
          })
      .on("balance_factor",
          [&](const YAML::Node& v, const YAML::Node& k) {
            o.balance_factor = k.Mark();
            if (auto f = read_factor(m.reader(), v, m.child("balance_factor"))) {
              out.balance_factor = *f;
            }
          })
      .on("ewma",
          [&](const YAML::Node& v, const YAML::Node& k) {
            o.ewma = k.Mark();
            if (auto b = m.reader().boolean(v, m.child("ewma"))) {
              out.ewma = *b;
            }
          })
      .on("decay",
          [&](const YAML::Node& v, const YAML::Node& k) {
            o.decay = k.Mark();
            if (auto d = m.reader().duration(v, m.child("decay"), milliseconds(100),
                                             minutes(10))) {
              out.decay = *d;
            }
          })
      .required("name");
  // Without a known name the options cannot be checked against it: the name's error suffices.
  if (m.run() && name_ok) {
    check_options(diag, path, value, out, o);
  }
}

bool read_sticky(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 const std::string& path, Sticky& out) {
  out.enabled = true;
  YAML::Mark same_site_at = YAML::Mark::null_mark();
  bool secure_ok = true;
  MapReader m(diag, value, path, key.Mark());
  m.on("cookie",
       [&](const YAML::Node& v, const YAML::Node&) {
         if (auto s = read_cookie_name(m.reader(), v, m.child("cookie"))) {
           out.cookie = std::move(*s);
         }
       })
      .duration("ttl", out.ttl, seconds(1), kMaxDuration)
      .on("secure",
          [&](const YAML::Node& v, const YAML::Node&) {
            auto b = m.reader().boolean(v, m.child("secure"));
            secure_ok = b.has_value();
            out.secure = b.value_or(false);
          })
      .boolean("httponly", out.httponly)
      .on("path",
          [&](const YAML::Node& v, const YAML::Node&) {
            std::string p = m.child("path");
            auto s = m.reader().string(v, p);
            if (!s) {
              return;
            }
            if (!s->starts_with('/')) {
              diag.error(v.Mark(), fmt::format("'{}' must start with '/', got {}", p, quote(*s)));
              return;
            }
            // RFC 6265 path-value: any CHAR except CTLs or ';'.
            bool bad = std::any_of(s->begin(), s->end(), [](char c) {
              auto u = static_cast<unsigned char>(c);
              return u < 0x20 || u >= 0x7f || c == ';';
            });
            if (bad) {
              diag.error(v.Mark(), fmt::format("'{}' must not contain ';', control or non-ASCII "
                                               "characters, got {}",
                                               p, quote(*s)));
              return;
            }
            out.path = std::move(*s);
          })
      .on("same_site", [&](const YAML::Node& v, const YAML::Node&) {
        if (auto s = m.reader().one_of(v, m.child("same_site"), "same_site value", kSameSite)) {
          out.same_site = std::move(*s);
          same_site_at = v.Mark();
        }
      });
  if (!m.run()) {
    return false;
  }
  if (secure_ok && out.same_site == "none" && !out.secure) {
    diag.error(same_site_at, fmt::format("'{}.same_site: none' requires 'secure: true' (browsers "
                                         "reject SameSite=None cookies without Secure)",
                                         path));
  }
  return true;
}

void check_balancing(Diagnostics& diag, const Pool& pool, const PoolMarks& marks) {
  const std::string& policy = pool.policy.name;
  if (!marks.sticky.is_null() && is_hash(policy)) {
    diag.warning(marks.sticky,
                 fmt::format("'sticky' is redundant with policy {}, which already sends the "
                             "same {} to the same backend",
                             policy, policy == "hash" ? "key" : "client address"));
  }
  if (policy == "round_robin" && !marks.first_weight.is_null()) {
    diag.warning(marks.first_weight, "weights are ignored by round_robin; use "
                                     "weighted_round_robin");
  }
}

}  // namespace mcplb::config
