// pools.<name>.policy / sticky / slow_start: every valid form into the model, every error with
// its exact text and position, the warnings, and the dump round trip.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/dump.h"
#include "config/load.h"

namespace mcplb::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// "pools:\n  api:\n" + `lines` (which therefore start on line 3) + one backend.
std::string pool(const std::string& lines) {
  return "pools:\n  api:\n" + lines + "    backends: [\"127.0.0.1:3001\"]\n";
}

// A directory holding the config "file" and a readable JWT key, so that a relative
// jwt_key_file resolves against it as it would next to a real mcplb.yaml.
class Balancing : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt::format("mcplb_config_{}_{}_{}", ::getpid(), info->test_suite_name(), info->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "jwt.pem") << "-----BEGIN PUBLIC KEY-----\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  LoadResult load(const std::string& text) { return load_string(text, (dir_ / "t.yaml").string()); }

  // "t.yaml:line:col: message" lines, with the test directory shown as DIR.
  std::string render(const std::vector<Diag>& v) const {
    std::string s;
    for (const auto& d : v) {
      std::string msg = d.message;
      for (size_t at; (at = msg.find(dir_.string())) != std::string::npos;) {
        msg.replace(at, dir_.string().size(), "DIR");
      }
      s += fmt::format("t.yaml:{}:{}: {}\n", d.line, d.col, msg);
    }
    return s;
  }
  std::string errors(const std::string& text) {
    auto r = load(text);
    EXPECT_EQ(r.config.has_value(), r.errors.empty());
    return render(r.errors);
  }
  std::string warnings(const std::string& text) {
    auto r = load(text);
    EXPECT_TRUE(r.ok()) << render(r.errors);
    return render(r.warnings);
  }
  // The only pool of a file that must load without errors or warnings.
  Pool ok(const std::string& text) {
    auto r = load(text);
    EXPECT_TRUE(r.ok()) << render(r.errors);
    EXPECT_TRUE(r.warnings.empty()) << render(r.warnings);
    return r.config && !r.config->pools.empty() ? r.config->pools[0] : Pool{};
  }

  fs::path dir_;
};

// ---- valid forms ----

TEST_F(Balancing, Defaults) {
  Pool p = ok(pool(""));
  EXPECT_EQ(p.policy.name, "least_sessions");
  EXPECT_EQ(p.policy.key.source, HashKey::Source::none);
  EXPECT_EQ(p.policy.fallback, "round_robin");
  EXPECT_DOUBLE_EQ(p.policy.balance_factor, 1.25);
  EXPECT_TRUE(p.policy.ewma);
  EXPECT_EQ(p.policy.decay, seconds(10));
  EXPECT_FALSE(p.sticky.enabled);
  EXPECT_EQ(p.slow_start, milliseconds(0));
}

TEST_F(Balancing, EveryPolicyByName) {
  for (const char* name : {"round_robin", "weighted_round_robin", "random", "least_conn",
                           "least_request", "least_sessions", "ip_hash"}) {
    EXPECT_EQ(ok(pool(fmt::format("    policy: {}\n", name))).policy.name, name);
    EXPECT_EQ(ok(pool(fmt::format("    policy: {{name: {}}}\n", name))).policy.name, name);
  }
}

TEST_F(Balancing, HashByHeader) {
  Pool p = ok(pool("    policy:\n      name: hash\n      key: {header: X-Tenant}\n"
                   "      fallback: least_request\n      balance_factor: 2\n"));
  EXPECT_EQ(p.policy.name, "hash");
  EXPECT_EQ(p.policy.key.source, HashKey::Source::header);
  EXPECT_EQ(p.policy.key.name, "x-tenant");  // field names compare case-insensitively
  EXPECT_EQ(p.policy.fallback, "least_request");
  EXPECT_DOUBLE_EQ(p.policy.balance_factor, 2.0);
}

TEST_F(Balancing, HashByCookieQueryClaim) {
  Pool p = ok(pool("    policy: {name: hash, key: {cookie: Session_ID}}\n"));
  EXPECT_EQ(p.policy.key.source, HashKey::Source::cookie);
  EXPECT_EQ(p.policy.key.name, "Session_ID");  // cookie names are case-sensitive
  p = ok(pool("    policy: {name: hash, key: {query: tenant}, balance_factor: 0}\n"));
  EXPECT_EQ(p.policy.key.source, HashKey::Source::query);
  EXPECT_EQ(p.policy.key.name, "tenant");
  EXPECT_DOUBLE_EQ(p.policy.balance_factor, 0.0);
  p = ok(pool("    policy: {name: hash, key: {jwt_claim: sub}}\n"));
  EXPECT_EQ(p.policy.key.source, HashKey::Source::jwt_claim);
  EXPECT_EQ(p.policy.key.name, "sub");
  EXPECT_EQ(p.policy.key.jwt_key_file, "");
  EXPECT_EQ(p.policy.key.jwt_algorithm, "");
}

TEST_F(Balancing, HashByVerifiedClaim) {
  Pool p = ok(pool("    policy:\n      name: hash\n"
                   "      key: {jwt_claim: sub, jwt_key_file: jwt.pem, jwt_algorithm: ES256}\n"));
  const HashKey& k = p.policy.key;
  EXPECT_EQ(k.source, HashKey::Source::jwt_claim);
  EXPECT_EQ(k.jwt_key_file, (dir_ / "jwt.pem").string());  // relative to the config file
  EXPECT_EQ(k.jwt_algorithm, "ES256");
  EXPECT_EQ(k.mark.line, 5);
  EXPECT_EQ(k.mark.col, 43);  // the jwt_key_file value
  for (const char* alg : {"HS256", "HS384", "HS512", "RS256", "ES256"}) {
    p = ok(pool(fmt::format("    policy: {{name: hash, key: {{jwt_claim: sub, jwt_key_file: "
                            "\"{}\", jwt_algorithm: {}}}}}\n",
                            (dir_ / "jwt.pem").string(), alg)));
    EXPECT_EQ(p.policy.key.jwt_algorithm, alg);
  }
}

TEST_F(Balancing, IpHashAndLeastRequestOptions) {
  Pool p = ok(pool("    policy: {name: ip_hash, balance_factor: 100}\n"));
  EXPECT_DOUBLE_EQ(p.policy.balance_factor, 100.0);
  p = ok(pool("    policy: {name: ip_hash, balance_factor: 1.001}\n"));
  EXPECT_DOUBLE_EQ(p.policy.balance_factor, 1.001);
  p = ok(pool("    policy: {name: least_request, ewma: false}\n"));
  EXPECT_FALSE(p.policy.ewma);
  p = ok(pool("    policy: {name: least_request, ewma: true, decay: 100ms}\n"));
  EXPECT_EQ(p.policy.decay, milliseconds(100));
  p = ok(pool("    policy: {decay: 10m, name: least_request}\n"));  // the name may come last
  EXPECT_EQ(p.policy.decay, minutes(10));
}

TEST_F(Balancing, Sticky) {
  Pool p = ok(pool("    sticky: {}\n"));
  EXPECT_TRUE(p.sticky.enabled);
  EXPECT_EQ(p.sticky.cookie, "lb_cookie");
  EXPECT_EQ(p.sticky.ttl, hours(1));
  EXPECT_FALSE(p.sticky.secure);
  EXPECT_TRUE(p.sticky.httponly);
  EXPECT_EQ(p.sticky.path, "/");
  EXPECT_EQ(p.sticky.same_site, "lax");
  EXPECT_TRUE(ok(pool("    sticky:\n")).sticky.enabled);  // all keys commented out
  p = ok(pool("    sticky:\n      cookie: mcp_affinity\n      ttl: 8760h\n      secure: true\n"
              "      httponly: false\n      path: /mcp\n      same_site: none\n"));
  EXPECT_EQ(p.sticky.cookie, "mcp_affinity");
  EXPECT_EQ(p.sticky.ttl, hours(8760));
  EXPECT_TRUE(p.sticky.secure);
  EXPECT_FALSE(p.sticky.httponly);
  EXPECT_EQ(p.sticky.path, "/mcp");
  EXPECT_EQ(p.sticky.same_site, "none");
  EXPECT_EQ(ok(pool("    sticky: {ttl: 1s, same_site: strict}\n")).sticky.same_site, "strict");
}

TEST_F(Balancing, SlowStart) {
  EXPECT_EQ(ok(pool("    slow_start: 30s\n")).slow_start, seconds(30));
  EXPECT_EQ(ok(pool("    slow_start: 1h\n")).slow_start, hours(1));
  EXPECT_EQ(ok(pool("    slow_start: 0s\n")).slow_start, milliseconds(0));
}

// ---- errors ----

TEST_F(Balancing, PolicyShapeErrors) {
  EXPECT_EQ(errors(pool("    policy: fastest\n")),
            "t.yaml:3:13: unknown policy 'fastest' (expected one of: round_robin, "
            "weighted_round_robin, random, least_conn, least_request, least_sessions, ip_hash, "
            "hash)\n");
  EXPECT_EQ(errors(pool("    policy: {name: least_sesions}\n")),
            "t.yaml:3:20: unknown policy 'least_sesions' (did you mean 'least_sessions'?)\n");
  EXPECT_EQ(errors(pool("    policy: [round_robin]\n")),
            "t.yaml:3:13: expected a policy name or a map for 'pools.api.policy', got a list\n");
  EXPECT_EQ(errors(pool("    policy:\n")),
            "t.yaml:3:5: expected a policy name or a map for 'pools.api.policy', got nothing\n");
  EXPECT_EQ(errors(pool("    policy: {ewma: true}\n")),
            "t.yaml:3:13: missing required key 'name' in 'pools.api.policy'\n");
  EXPECT_EQ(errors(pool("    policy: {name: random, wieght: 1}\n")),
            "t.yaml:3:28: unknown key 'wieght' in 'pools.api.policy'\n");
}

TEST_F(Balancing, HashNeedsKey) {
  EXPECT_EQ(errors(pool("    policy: hash\n")),
            "t.yaml:3:13: policy hash needs a key; write the policy as a map, e.g. {name: hash, "
            "key: {header: X-Tenant}}\n");
  EXPECT_EQ(errors(pool("    policy: {name: hash}\n")),
            "t.yaml:3:13: missing required key 'key' in 'pools.api.policy' (policy hash needs a "
            "header, cookie, query or jwt_claim to hash)\n");
}

TEST_F(Balancing, OptionsOfOtherPolicies) {
  EXPECT_EQ(errors(pool("    policy: {name: round_robin, ewma: true, decay: 5s}\n")),
            "t.yaml:3:33: 'ewma' applies only to policy least_request\n"
            "t.yaml:3:45: 'decay' applies only to policy least_request\n");
  EXPECT_EQ(errors(pool("    policy: {name: least_conn, balance_factor: 2}\n")),
            "t.yaml:3:32: 'balance_factor' applies only to policies hash and ip_hash\n");
  EXPECT_EQ(errors(pool("    policy:\n      key: {header: a}\n      fallback: random\n"
                        "      name: ip_hash\n")),
            "t.yaml:4:7: 'key' applies only to policy hash\n"
            "t.yaml:5:7: 'fallback' applies only to policy hash\n");
  // An unknown name: only the name is reported, the options cannot be judged.
  EXPECT_EQ(errors(pool("    policy: {name: nope, ewma: true}\n")),
            "t.yaml:3:20: unknown policy 'nope' (expected one of: round_robin, "
            "weighted_round_robin, random, least_conn, least_request, least_sessions, ip_hash, "
            "hash)\n");
}

TEST_F(Balancing, HashKeyErrors) {
  auto e = [&](const std::string& key) {
    return errors(pool("    policy:\n      name: hash\n      key: " + key + "\n"));
  };
  EXPECT_EQ(e("{}"), "t.yaml:5:12: 'pools.api.policy.key' needs one of header, cookie, query, "
                     "jwt_claim\n");
  EXPECT_EQ(e(""), "t.yaml:5:7: 'pools.api.policy.key' needs one of header, cookie, query, "
                   "jwt_claim\n");
  EXPECT_EQ(e("X-Tenant"), "t.yaml:5:12: expected a map for 'pools.api.policy.key', got "
                           "'X-Tenant'\n");
  EXPECT_EQ(e("{header: a, cookie: b}"),
            "t.yaml:5:24: 'pools.api.policy.key' takes exactly one of header, cookie, query, "
            "jwt_claim, got both 'header' and 'cookie'\n");
  EXPECT_EQ(e("{header: \"X Tenant\"}"),
            "t.yaml:5:21: invalid header name 'X Tenant' for 'pools.api.policy.key.header' (use "
            "letters, digits and !#$%&'*+-.^_`|~)\n");
  EXPECT_EQ(e("{header: \"\"}"),
            "t.yaml:5:21: invalid header name '' for 'pools.api.policy.key.header' (use "
            "letters, digits and !#$%&'*+-.^_`|~)\n");
  EXPECT_EQ(e("{cookie: \"a=b\"}"),
            "t.yaml:5:21: invalid cookie name 'a=b' for 'pools.api.policy.key.cookie' (use "
            "letters, digits and !#$%&'*+-.^_`|~)\n");
  EXPECT_EQ(e("{query: \"\"}"), "t.yaml:5:20: 'pools.api.policy.key.query' must not be empty\n");
  EXPECT_EQ(e("{jwt_claim: \"a\\nb\"}"),
            "t.yaml:5:24: 'pools.api.policy.key.jwt_claim' must not contain control characters, "
            "got 'a\\x0ab'\n");
  EXPECT_EQ(e("{header: [a]}"),
            "t.yaml:5:21: expected a string for 'pools.api.policy.key.header', got a list\n");
  EXPECT_EQ(e("{heder: a}"),
            "t.yaml:5:12: 'pools.api.policy.key' needs one of header, cookie, query, "
            "jwt_claim\n"
            "t.yaml:5:13: unknown key 'heder' in 'pools.api.policy.key' (did you mean "
            "'header'?)\n");
}

TEST_F(Balancing, JwtKeyErrors) {
  auto e = [&](const std::string& key) {
    return errors(pool("    policy:\n      name: hash\n      key: " + key + "\n"));
  };
  EXPECT_EQ(e("{header: a, jwt_key_file: jwt.pem, jwt_algorithm: RS256}"),
            "t.yaml:5:24: 'jwt_key_file' applies only with 'jwt_claim'\n"
            "t.yaml:5:47: 'jwt_algorithm' applies only with 'jwt_claim'\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: jwt.pem}"),
            "t.yaml:5:29: 'pools.api.policy.key.jwt_key_file' needs 'jwt_algorithm' (one of "
            "HS256, HS384, HS512, RS256, ES256)\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_algorithm: HS256}"),
            "t.yaml:5:29: 'pools.api.policy.key.jwt_algorithm' needs 'jwt_key_file' (the key "
            "that verifies the token)\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: jwt.pem, jwt_algorithm: none}"),
            "t.yaml:5:67: unknown JWT algorithm 'none' (expected one of: HS256, HS384, HS512, "
            "RS256, ES256)\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: jwt.pem, jwt_algorithm: rs256}"),
            "t.yaml:5:67: unknown JWT algorithm 'rs256' (algorithm names are case-sensitive: "
            "did you mean 'RS256'?)\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: jwt.pem, jwt_algorithm: RS265}"),
            "t.yaml:5:67: unknown JWT algorithm 'RS265' (did you mean 'RS256'?)\n");
  // Checked like session.keys[].secret_file: present and readable now.
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: nope.pem, jwt_algorithm: RS256}"),
            "t.yaml:5:43: cannot read jwt_key_file 'DIR/nope.pem': No such file or directory\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: /, jwt_algorithm: RS256}"),
            "t.yaml:5:43: cannot read jwt_key_file '/': Is a directory\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: /dev/null, jwt_algorithm: RS256}"),
            "t.yaml:5:43: cannot read jwt_key_file '/dev/null': not a regular file\n");
  EXPECT_EQ(e("{jwt_claim: sub, jwt_key_file: \"\", jwt_algorithm: RS256}"),
            "t.yaml:5:43: 'pools.api.policy.key.jwt_key_file' must not be empty\n");
}

TEST_F(Balancing, FallbackAndFactorErrors) {
  auto e = [&](const std::string& option) {
    return errors(pool("    policy:\n      name: hash\n      key: {header: a}\n      " + option +
                       "\n"));
  };
  EXPECT_EQ(e("fallback: ip_hash"),
            "t.yaml:6:17: 'pools.api.policy.fallback' must be a policy other than hash and "
            "ip_hash, got 'ip_hash'\n");
  EXPECT_EQ(e("fallback: hash"),
            "t.yaml:6:17: 'pools.api.policy.fallback' must be a policy other than hash and "
            "ip_hash, got 'hash'\n");
  EXPECT_EQ(e("fallback: randon"), "t.yaml:6:17: unknown policy 'randon' (did you mean "
                                   "'random'?)\n");
  for (const char* bad : {"1", "1.0", "0.5", "100.5", "101"}) {
    EXPECT_EQ(e(fmt::format("balance_factor: {}", bad)),
              fmt::format("t.yaml:6:23: 'pools.api.policy.balance_factor' must be 0 (off) or "
                          "more than 1 and at most 100, got '{}'\n",
                          bad));
  }
  // Below what a double holds is still more than 0, not "0 (off)".
  EXPECT_EQ(e("balance_factor: 0." + std::string(400, '0') + "1"),
            "t.yaml:6:23: 'pools.api.policy.balance_factor' must be 0 (off) or more than 1 and "
            "at most 100, got '0." +
                std::string(62, '0') + "...'\n");
  for (const char* bad : {"-2", "1e2", ".5", "1.", "inf", "nan", "1,5", "\"\""}) {
    std::string shown = std::string(bad) == "\"\"" ? "''" : fmt::format("'{}'", bad);
    EXPECT_EQ(e(fmt::format("balance_factor: {}", bad)),
              fmt::format("t.yaml:6:23: expected a number for "
                          "'pools.api.policy.balance_factor', got {}\n",
                          shown));
  }
}

TEST_F(Balancing, LeastRequestErrors) {
  EXPECT_EQ(errors(pool("    policy: {name: least_request, decay: 50ms}\n")),
            "t.yaml:3:42: 'pools.api.policy.decay' must be at least 100ms, got 50ms\n");
  EXPECT_EQ(errors(pool("    policy: {name: least_request, decay: 11m}\n")),
            "t.yaml:3:42: 'pools.api.policy.decay' must be at most 10m, got 11m\n");
  EXPECT_EQ(errors(pool("    policy: {name: least_request, ewma: yes}\n")),
            "t.yaml:3:41: expected a boolean (true or false) for 'pools.api.policy.ewma', got "
            "'yes'\n");
}

TEST_F(Balancing, StickyErrors) {
  EXPECT_EQ(errors(pool("    sticky: true\n")),
            "t.yaml:3:13: expected a map for 'pools.api.sticky', got 'true'\n");
  EXPECT_EQ(errors(pool("    sticky: {cookie: \"lb cookie\"}\n")),
            "t.yaml:3:22: invalid cookie name 'lb cookie' for 'pools.api.sticky.cookie' (use "
            "letters, digits and !#$%&'*+-.^_`|~)\n");
  EXPECT_EQ(errors(pool("    sticky: {ttl: 0s}\n")),
            "t.yaml:3:19: 'pools.api.sticky.ttl' must be at least 1s, got 0s\n");
  EXPECT_EQ(errors(pool("    sticky: {ttl: 8761h}\n")),
            "t.yaml:3:19: 'pools.api.sticky.ttl' must be at most 8760h, got 8761h\n");
  EXPECT_EQ(errors(pool("    sticky: {path: mcp}\n")),
            "t.yaml:3:20: 'pools.api.sticky.path' must start with '/', got 'mcp'\n");
  EXPECT_EQ(errors(pool("    sticky: {path: \"/a;b\"}\n")),
            "t.yaml:3:20: 'pools.api.sticky.path' must not contain ';', control or non-ASCII "
            "characters, got '/a;b'\n");
  EXPECT_EQ(errors(pool("    sticky: {path: \"/a\\tb\"}\n")),
            "t.yaml:3:20: 'pools.api.sticky.path' must not contain ';', control or non-ASCII "
            "characters, got '/a\\x09b'\n");
  EXPECT_EQ(errors(pool("    sticky: {same_site: Lax}\n")),
            "t.yaml:3:25: unknown same_site value 'Lax' (did you mean 'lax'?)\n");
  EXPECT_EQ(errors(pool("    sticky: {httponly: 1}\n")),
            "t.yaml:3:24: expected a boolean (true or false) for 'pools.api.sticky.httponly', "
            "got '1'\n");
  EXPECT_EQ(errors(pool("    sticky: {cooke: a}\n")),
            "t.yaml:3:14: unknown key 'cooke' in 'pools.api.sticky' (did you mean 'cookie'?)\n");
}

TEST_F(Balancing, SameSiteNoneNeedsSecure) {
  EXPECT_EQ(errors(pool("    sticky:\n      same_site: none\n")),
            "t.yaml:4:18: 'pools.api.sticky.same_site: none' requires 'secure: true' (browsers "
            "reject SameSite=None cookies without Secure)\n");
  EXPECT_EQ(errors(pool("    sticky: {same_site: none, secure: false}\n")),
            "t.yaml:3:25: 'pools.api.sticky.same_site: none' requires 'secure: true' (browsers "
            "reject SameSite=None cookies without Secure)\n");
  // A bad 'secure' is reported once, not again as a missing one.
  EXPECT_EQ(errors(pool("    sticky: {same_site: none, secure: yes}\n")),
            "t.yaml:3:39: expected a boolean (true or false) for 'pools.api.sticky.secure', got "
            "'yes'\n");
}

TEST_F(Balancing, SlowStartErrors) {
  EXPECT_EQ(errors(pool("    slow_start: 61m\n")),
            "t.yaml:3:17: 'pools.api.slow_start' must be at most 1h, got 1h1m\n");
  EXPECT_EQ(errors(pool("    slow_start: 30\n")),
            "t.yaml:3:17: '30' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n");
}

TEST_F(Balancing, AllReportedInOnePass) {
  EXPECT_EQ(errors("pools:\n"
                   "  a:\n"
                   "    policy: {name: random, ewma: false}\n"
                   "    sticky: {ttl: 0s}\n"
                   "    slow_start: 2h\n"
                   "    backends: [\"127.0.0.1:1\"]\n"),
            "t.yaml:3:28: 'ewma' applies only to policy least_request\n"
            "t.yaml:4:19: 'pools.a.sticky.ttl' must be at least 1s, got 0s\n"
            "t.yaml:5:17: 'pools.a.slow_start' must be at most 1h, got 2h\n");
}

// ---- warnings ----

TEST_F(Balancing, StickyWithHashIsRedundant) {
  EXPECT_EQ(warnings(pool("    sticky: {}\n    policy: {name: hash, key: {header: a}}\n")),
            "t.yaml:3:5: 'sticky' is redundant with policy hash, which already sends the same "
            "key to the same backend\n");
  EXPECT_EQ(warnings(pool("    policy: ip_hash\n    sticky: {}\n")),
            "t.yaml:4:5: 'sticky' is redundant with policy ip_hash, which already sends the "
            "same client address to the same backend\n");
  EXPECT_EQ(warnings(pool("    policy: least_conn\n    sticky: {}\n")), "");
}

TEST_F(Balancing, WeightsIgnoredByRoundRobin) {
  const std::string backends =
      "    backends:\n"
      "      - {address: \"127.0.0.1:1\"}\n"
      "      - {address: \"127.0.0.1:2\", weight: 1}\n"
      "      - {address: \"127.0.0.1:3\", weight: 4}\n"
      "      - {address: \"127.0.0.1:4\", weight: 9}\n";
  EXPECT_EQ(warnings("pools:\n  a:\n    policy: round_robin\n" + backends),
            "t.yaml:7:42: weights are ignored by round_robin; use weighted_round_robin\n");
  for (const char* policy : {"weighted_round_robin", "least_sessions", "least_conn", "ip_hash"}) {
    EXPECT_EQ(warnings(fmt::format("pools:\n  a:\n    policy: {}\n{}", policy, backends)), "");
  }
  EXPECT_EQ(warnings("pools:\n  a:\n" + backends), "");  // the default uses weights
}

TEST_F(Balancing, DecayWithoutEwma) {
  EXPECT_EQ(warnings(pool("    policy: {name: least_request, ewma: false, decay: 1s}\n")),
            "t.yaml:3:48: 'decay' has no effect with 'ewma: false'\n");
}

// ---- dump ----

TEST_F(Balancing, DumpShowsOnlyThePolicysOptions) {
  auto dumped = [&](const std::string& lines) {
    auto r = load(pool(lines));
    EXPECT_TRUE(r.ok()) << render(r.errors);
    if (!r.config) {
      return std::string();
    }
    std::string d = dump(*r.config);
    size_t at = d.find("    policy: ");
    return d.substr(at, d.find("    backends:") - at);
  };
  EXPECT_EQ(dumped(""), "    policy: least_sessions\n    slow_start: 0s\n");
  EXPECT_EQ(dumped("    policy: {name: random}\n    slow_start: 90s\n"),
            "    policy: random\n    slow_start: 1m30s\n");
  EXPECT_EQ(dumped("    policy: least_request\n"),
            "    policy: {name: least_request, ewma: true, decay: 10s}\n    slow_start: 0s\n");
  EXPECT_EQ(dumped("    policy: ip_hash\n"),
            "    policy: {name: ip_hash, balance_factor: 1.25}\n    slow_start: 0s\n");
  EXPECT_EQ(dumped("    policy: {name: hash, key: {header: X-Tenant}, balance_factor: 3}\n"),
            "    policy: {name: hash, key: {header: \"x-tenant\"}, fallback: round_robin, "
            "balance_factor: 3}\n    slow_start: 0s\n");
  EXPECT_EQ(dumped("    policy: {name: hash, key: {jwt_claim: sub, jwt_key_file: jwt.pem, "
                   "jwt_algorithm: HS512}}\n"),
            fmt::format("    policy: {{name: hash, key: {{jwt_claim: \"sub\", jwt_key_file: "
                        "\"{}\", jwt_algorithm: HS512}}, fallback: round_robin, "
                        "balance_factor: 1.25}}\n    slow_start: 0s\n",
                        (dir_ / "jwt.pem").string()));
  EXPECT_EQ(dumped("    sticky: {cookie: c, same_site: none, secure: true}\n"),
            "    policy: least_sessions\n"
            "    sticky: {cookie: \"c\", ttl: 1h, secure: true, httponly: true, path: \"/\", "
            "same_site: none}\n    slow_start: 0s\n");
}

TEST_F(Balancing, DumpRoundTrips) {
  for (std::string lines : {
           "    policy: {name: hash, key: {cookie: sid}, fallback: least_conn, "
           "balance_factor: 1.5}\n",
           "    policy: {name: hash, key: {query: \"t\\\"x\"}, balance_factor: 0}\n",
           "    policy: {name: hash, key: {jwt_claim: \"org id\", jwt_key_file: jwt.pem, "
           "jwt_algorithm: RS256}}\n",
           "    policy: {name: ip_hash, balance_factor: 1.0000001}\n",
           "    policy: {name: least_request, ewma: false}\n    sticky: {path: \"/a b\"}\n",
           "    sticky: {cookie: x, ttl: 8760h, secure: true, same_site: strict}\n"
           "    slow_start: 1h\n",
       }) {
    std::string text = pool(lines);
    auto first = load(text);
    ASSERT_TRUE(first.ok()) << render(first.errors) << text;
    std::string once = dump(*first.config);
    auto second = load_string(once, "dump.yaml");  // the key file path is absolute by now
    ASSERT_TRUE(second.ok()) << render(second.errors) << once;
    EXPECT_EQ(dump(*second.config), once);
  }
}

}  // namespace
}  // namespace mcplb::config
