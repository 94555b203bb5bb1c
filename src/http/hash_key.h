#pragma once
// The key the `hash` policy hashes for a request (config: pools[].policy.key). The proxy
// hashes the returned text with balance::hash64; a request without a key goes to the pool's
// fallback policy. Thread-safe (find() is const); no exceptions; no allocation once the
// caller's scratch string has grown (see jwt.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/model.h"
#include "http/header_values.h"
#include "http/jwt_verifier.h"

namespace mcplb::http {

/// What a key may be read from; all views only need to live during the call.
struct KeySources {
  const void* arg = nullptr;
  /// First value of a request header, looked up by lower-case name (case-insensitive match);
  /// empty when absent. Used for `header:` keys and for Authorization (`jwt_claim:`).
  std::string_view (*header)(const void* arg, std::string_view lower_name) = nullptr;
  std::string_view target;  // request target as received ("/mcp?tenant=a")
  /// Every Cookie header value, in order. When empty, header("cookie") is used instead.
  HeaderValues cookies;
};

/// @param verifier  for jwt_claim keys with a key file; nullptr reads the claim unverified.
/// @param scratch   per-worker buffer, reused; the result may point into it.
/// @return the key text; nullopt when the request has no such value or it is empty (an
///         empty key would send every such request to one backend: the fallback is better).
std::optional<std::string_view> find_key(const config::HashKey& spec, const KeySources& req,
                                         const JwtVerifier* verifier, int64_t now_unix,
                                         std::string& scratch);

/// A HashKey with its verifier loaded: what a pool builds once per config (re)load.
class KeyFinder {
 public:
  /// Loads the JWT key file when the spec names one (reads a file: control thread only).
  /// @return nullopt with `err` set when the key file or algorithm is unusable.
  static std::optional<KeyFinder> build(const config::HashKey& spec, std::string& err);

  std::optional<std::string_view> find(const KeySources& req, int64_t now_unix,
                                       std::string& scratch) const {
    return find_key(spec_, req, verifier_ ? &*verifier_ : nullptr, now_unix, scratch);
  }

  const config::HashKey& spec() const { return spec_; }

 private:
  config::HashKey spec_;
  std::optional<JwtVerifier> verifier_;
};

}  // namespace mcplb::http
