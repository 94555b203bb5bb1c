#pragma once
// JWS signature verification for the `hash` policy's `jwt_claim:` key (RFC 7515, RFC 7518).
// One verifier holds one key and accepts exactly one algorithm: the algorithm comes from the
// config, never from a token, so "alg":"none" and HS/RS key confusion cannot happen.
//
// Threads: load() runs on the control thread (it reads a file). verify() is const and may be
// called from every worker at once: each thread keeps its own OpenSSL contexts, keyed by the
// verifier's id, so no lock is taken beyond OpenSSL's own. OpenSSL 3.0 still allocates inside
// a verification (about 2 small blocks for HMAC, 20-40 for RSA/ECDSA big-number work).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mcplb::http {

enum class JwtAlg : uint8_t { hs256, hs384, hs512, rs256, es256 };

/// "HS256", "HS384", "HS512", "RS256", "ES256" (exact spelling, as in a JWS header).
std::optional<JwtAlg> parse_jwt_alg(std::string_view name) noexcept;
std::string_view jwt_alg_name(JwtAlg alg) noexcept;

/// Largest key file load() reads.
inline constexpr size_t kMaxJwtKeyFileBytes = 64 * 1024;
/// Largest signature accepted (RSA up to 8192 bits).
inline constexpr size_t kMaxJwtSignatureBytes = 1024;

class JwtVerifier {
 public:
  /// Reads the key file for `alg` ("HS256", ... as in config::HashKey::jwt_algorithm).
  /// HS*: the file holds the secret's raw bytes; one trailing "\n" or "\r\n" is stripped.
  /// RS256/ES256: a PEM public key ("BEGIN PUBLIC KEY", "BEGIN RSA PUBLIC KEY") or a PEM
  /// certificate; private keys are refused (the balancer only needs the public half).
  /// @return nullopt with a one-line reason in `err` (it names the file, not the secret).
  static std::optional<JwtVerifier> load(const std::string& path, std::string_view alg,
                                         std::string& err);

  /// As load() from the key material itself: the raw secret (HS*, nothing stripped) or the
  /// PEM text (RS256/ES256). `what` names the source in error messages.
  static std::optional<JwtVerifier> from_key(JwtAlg alg, std::string_view key,
                                             std::string_view what, std::string& err);

  JwtAlg alg() const noexcept;

  /// Checks a JWS signature.
  /// @param signing_input  "<base64url header>.<base64url payload>" exactly as in the token.
  /// @param signature      the decoded third segment (ES256: JOSE r||s, 64 bytes).
  bool verify(std::string_view signing_input, std::span<const uint8_t> signature) const noexcept;

 private:
  struct Key;
  explicit JwtVerifier(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;  // shared by copies: immutable once loaded
};

}  // namespace mcplb::http
