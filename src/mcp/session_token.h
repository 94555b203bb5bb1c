#pragma once
// Sealed session tokens: mcplb hands clients an AES-256-GCM sealed {backend name, backend
// session id, issued-at} instead of the backend's own Mcp-Session-Id, so any mcplb replica
// holding the key can route any session without a shared store (DESIGN.md, "The two protocol
// generations"). Wire format and key-file formats: src/mcp/README.md.
//
// Thread-safety: a KeyRing is immutable after construction; seal() and open() are const and
// may run concurrently on any thread (each thread keeps its own OpenSSL cipher contexts).
// Neither allocates except for growing the caller's output string. Time is always passed in.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mcplb::mcp {

inline constexpr size_t kSessionKeyBytes = 32;
inline constexpr size_t kMaxKeyIdBytes = 16;
inline constexpr size_t kMaxBackendNameBytes = 255;
inline constexpr size_t kMaxBackendSessionIdBytes = 256;

/// Sealed layout sizes (see README.md): version | id_len | key id | nonce | ciphertext | tag;
/// plaintext = issued_at (8, big endian) | backend_len (1) | backend | session id.
inline constexpr uint8_t kTokenVersion = 1;
inline constexpr size_t kNonceBytes = 12;
inline constexpr size_t kTagBytes = 16;
inline constexpr size_t kPlaintextFixedBytes = 8 + 1;
inline constexpr size_t kMaxPlaintextBytes =
    kPlaintextFixedBytes + kMaxBackendNameBytes + kMaxBackendSessionIdBytes;
inline constexpr size_t kMaxTokenBytes =
    2 + kMaxKeyIdBytes + kNonceBytes + kMaxPlaintextBytes + kTagBytes;
/// Longest token text open() looks at; anything longer is malformed without decoding.
inline constexpr size_t kMaxTokenChars = (kMaxTokenBytes * 4 + 2) / 3;

/// One sealing key: `id` names it inside every token (1..16 chars of [A-Za-z0-9._-]).
struct SessionKey {
  std::string id;
  std::array<uint8_t, kSessionKeyBytes> secret{};
};

/// Lifetime rules applied by open().
struct TokenLimits {
  int64_t ttl_seconds = 24 * 3600;     // expired when issued_at + ttl < now
  int64_t max_future_skew_seconds = 60;  // future when issued_at > now + skew (replica clocks)
};

enum class TokenError : uint8_t {
  ok,
  malformed,    // not base64url, wrong version, bad lengths: never produced by a KeyRing
  unknown_key,  // well-formed, sealed under a key id this ring does not hold
  bad_tag,      // authentication failed: tampered, or a different secret under the same id
  expired,      // authentic, but issued_at + ttl < now
  future,       // authentic, but issued_at > now + max_future_skew
};
std::string_view to_string(TokenError e) noexcept;

enum class SealError : uint8_t {
  ok,
  backend_too_long,     // empty or > kMaxBackendNameBytes
  session_id_too_long,  // empty or > kMaxBackendSessionIdBytes
  session_id_invalid,   // not visible ASCII 0x21-0x7E (MCP session id rule)
  crypto,               // OpenSSL failure (should not happen)
};
std::string_view to_string(SealError e) noexcept;

/// The opened contents of a token. Holds its own copy of the plaintext, so views stay valid
/// for the object's lifetime and the object may be copied freely.
class OpenedToken {
 public:
  std::string_view backend() const noexcept {
    return {reinterpret_cast<const char*>(plain_.data()) + kPlaintextFixedBytes, backend_len_};
  }
  std::string_view session_id() const noexcept {
    return {reinterpret_cast<const char*>(plain_.data()) + kPlaintextFixedBytes + backend_len_,
            session_len_};
  }
  int64_t issued_at() const noexcept { return issued_at_; }
  /// Index in the ring of the key that opened it; > 0 means the client holds a token sealed
  /// under an older key (the proxy may choose to re-seal it).
  size_t key_index() const noexcept { return key_index_; }

 private:
  friend class KeyRing;
  std::array<uint8_t, kMaxPlaintextBytes> plain_;
  int64_t issued_at_ = 0;
  size_t key_index_ = 0;
  uint16_t backend_len_ = 0;
  uint16_t session_len_ = 0;
};

/// An ordered list of keys: the first (newest) seals, every key opens.
class KeyRing {
 public:
  /// @return nullopt (and a message in *error) if `keys` is empty, an id is invalid or
  ///         duplicated, or limits are not positive.
  static std::optional<KeyRing> create(std::vector<SessionKey> keys, TokenLimits limits,
                                       std::string* error);
  /// A ring with one random key (RAND_bytes), id "eph": for `mcplb demo` and tests. Tokens
  /// from it die with the process.
  static KeyRing generate_ephemeral(TokenLimits limits = {});

  KeyRing(const KeyRing&) = default;
  KeyRing(KeyRing&&) noexcept = default;
  KeyRing& operator=(const KeyRing&) = default;
  KeyRing& operator=(KeyRing&&) noexcept = default;
  ~KeyRing();

  /// Seals into `out` (replaced; its capacity is reused). On error `out` is left empty.
  SealError seal(std::string_view backend, std::string_view session_id, int64_t issued_at,
                 std::string& out) const;
  /// Opens `token`; `out` is filled only when the result is ok.
  TokenError open(std::string_view token, int64_t now, OpenedToken& out) const;

  size_t size() const noexcept { return keys_.size(); }
  std::string_view key_id(size_t i) const noexcept { return keys_[i].id; }
  const TokenLimits& limits() const noexcept { return limits_; }

 private:
  KeyRing(std::vector<SessionKey> keys, TokenLimits limits);
  // Identifies this key material for the per-thread cipher-context cache; copies share it
  // because the keys are immutable.
  uint64_t uid_ = 0;
  std::vector<SessionKey> keys_;
  TokenLimits limits_;
};

/// Parses a 32-byte secret from a key file's contents, trying in order:
///  1. exactly 32 bytes: the raw secret;
///  2. after trimming ASCII whitespace, 64 hex digits;
///  3. after trimming, base64 of 32 bytes (standard or URL alphabet, padding optional).
/// @return nullopt with a message in *error otherwise (an all-zero secret is refused too).
std::optional<std::array<uint8_t, kSessionKeyBytes>> parse_session_secret(
    std::string_view contents, std::string* error);

/// Reads `path` (at most 4 KiB) and parses it with parse_session_secret().
std::optional<std::array<uint8_t, kSessionKeyBytes>> load_session_secret(const std::string& path,
                                                                          std::string* error);

}  // namespace mcplb::mcp
