#pragma once
// Reading one claim of a bearer JWT (RFC 7519, compact JWS) for the `hash` policy's
// `jwt_claim:` key. The claim only places a request on a backend: it never authorises
// anything, so without a verifier the claim of any well-formed token is used (a client can
// then pick its own key, which only moves its own requests).
//
// With a verifier: the header's "alg" must equal the configured algorithm exactly (no "none",
// no HS/RS confusion), a "crit" header is refused (no extension is understood), the signature
// must verify, and "exp" / "nbf" (when present, numbers) must hold with kJwtLeewaySeconds of
// clock skew. Without one, only the shape is checked: three base64url segments, a JSON object
// header and a JSON object payload.
//
// Either way a claim name that occurs twice in the payload, or a duplicate "alg", "exp" or
// "nbf", makes the token malformed (RFC 7519 section 4 allows refusing duplicates; taking one
// of two values would let a token mean different things to different parsers).
//
// Thread-safe; no exceptions. No allocation once `scratch` has grown to
// kJwtScratchBytes (the first call grows it); OpenSSL allocates inside signature checks.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/jwt_verifier.h"

namespace mcplb::http {

/// Longest token accepted, checked before anything is decoded.
inline constexpr size_t kMaxJwtBytes = 8192;
/// Clock skew allowed for "exp" and "nbf", in seconds.
inline constexpr int64_t kJwtLeewaySeconds = 60;
/// Size jwt_claim() grows its scratch string to: the decoded payload and room for one
/// unescaped claim, each followed by simdjson's 64 bytes of padding.
inline constexpr size_t kJwtScratchBytes = 2 * (kMaxJwtBytes / 4 * 3 + 64);

/// The token of an Authorization value "Bearer <token>" (scheme ASCII case-insensitive, one
/// or more spaces after it, surrounding spaces ignored).
/// @return nullopt for another scheme or an empty token.
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

/// The value of top-level claim `claim` of a bearer token.
/// @param authorization  the Authorization header value ("Bearer eyJ...").
/// @param verifier       nullptr: read without verifying (see above).
/// @param now_unix       current time, seconds since the epoch (for exp/nbf).
/// @param scratch        reused by the caller between requests; the result may point into it,
///                       so it must not be touched while the result is in use.
/// @return a string claim's value (JSON escapes resolved), a number claim's text as written
///         ("42", "1.5e3"); nullopt for other types, a missing claim, a malformed, oversized,
///         expired or not-yet-valid token, or a signature that does not verify.
std::optional<std::string_view> jwt_claim(std::string_view authorization, std::string_view claim,
                                          const JwtVerifier* verifier, int64_t now_unix,
                                          std::string& scratch);

/// As jwt_claim() for a bare token (no "Bearer ").
std::optional<std::string_view> jwt_token_claim(std::string_view token, std::string_view claim,
                                                const JwtVerifier* verifier, int64_t now_unix,
                                                std::string& scratch);

}  // namespace mcplb::http
