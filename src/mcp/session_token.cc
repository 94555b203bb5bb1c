#include "mcp/session_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "mcp/base64.h"

namespace mcplb::mcp {
namespace {

constexpr size_t kHeaderFixedBytes = 2;  // version, key id length
// Smallest sealed token: 1-byte key id, 1-byte backend, 1-byte session id.
constexpr size_t kMinTokenBytes =
    kHeaderFixedBytes + 1 + kNonceBytes + kPlaintextFixedBytes + 2 + kTagBytes;

std::atomic<uint64_t> g_next_ring_uid{1};

// Fetched once: an implicit fetch (EVP_aes_256_gcm()) would repeat the provider lookup on
// every init in OpenSSL 3.
const EVP_CIPHER* aes_gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

// Per-thread cipher contexts, each remembering which key it was last initialised with:
// re-initialising with only a new nonce skips the AES key schedule and GHASH table setup,
// which are most of the cost of a short seal/open.
struct CachedCtx {
  EVP_CIPHER_CTX* ctx = nullptr;
  uint64_t uid = 0;  // 0 = no key loaded
  size_t key_index = 0;
};

struct ThreadCiphers {
  static constexpr size_t kSlots = 4;  // open: current + previous keys, rarely more
  CachedCtx enc;
  std::array<CachedCtx, kSlots> dec;
  size_t next_victim = 0;

  ~ThreadCiphers() {
    EVP_CIPHER_CTX_free(enc.ctx);
    for (auto& d : dec) {
      EVP_CIPHER_CTX_free(d.ctx);
    }
  }
};

thread_local ThreadCiphers t_ciphers;

// GCM nonces: each thread draws a random 96-bit start from RAND_bytes and counts up from it
// for at most kNonceStride seals, then draws again. RAND_bytes costs ~1 us per call in
// OpenSSL 3.0 (more than the whole AES-GCM seal); a counter from a random start is also safer
// than independent random nonces: two streams collide only if their starts fall within
// kNonceStride of each other (README.md, "Nonces").
constexpr uint32_t kNonceStride = 1u << 16;
std::atomic<uint64_t> g_fork_generation{0};

struct NonceStream {
  std::array<uint8_t, kNonceBytes> next{};
  uint32_t left = 0;
  uint64_t generation = 0;
};
thread_local NonceStream t_nonces;

void count_fork() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

bool next_nonce(uint8_t* out) {
  // A forked child must not replay its parent's stream.
  static const bool registered = pthread_atfork(nullptr, nullptr, &count_fork) == 0;
  (void)registered;
  NonceStream& ns = t_nonces;
  const uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
  if (ns.left == 0 || ns.generation != generation) {
    if (RAND_bytes(ns.next.data(), static_cast<int>(ns.next.size())) != 1) {
      ns.left = 0;
      return false;
    }
    ns.left = kNonceStride;
    ns.generation = generation;
  }
  std::memcpy(out, ns.next.data(), kNonceBytes);
  --ns.left;
  for (size_t i = kNonceBytes; i-- > 0;) {  // big-endian increment
    if (++ns.next[i] != 0) {
      break;
    }
  }
  return true;
}

// Returns a context with `key` loaded for the given direction, or nullptr on failure.
EVP_CIPHER_CTX* ctx_for(CachedCtx& slot, uint64_t uid, size_t key_index, const uint8_t* key,
                        bool encrypt) {
  if (slot.ctx == nullptr) {
    slot.ctx = EVP_CIPHER_CTX_new();
    if (slot.ctx == nullptr) {
      return nullptr;
    }
  }
  if (slot.uid != uid || slot.key_index != key_index) {
    slot.uid = 0;
    const int ok = encrypt ? EVP_EncryptInit_ex2(slot.ctx, aes_gcm(), key, nullptr, nullptr)
                           : EVP_DecryptInit_ex2(slot.ctx, aes_gcm(), key, nullptr, nullptr);
    if (ok != 1) {
      return nullptr;
    }
    slot.uid = uid;
    slot.key_index = key_index;
  }
  return slot.ctx;
}

EVP_CIPHER_CTX* decrypt_ctx(uint64_t uid, size_t key_index, const uint8_t* key) {
  auto& tc = t_ciphers;
  for (auto& d : tc.dec) {
    if (d.uid == uid && d.key_index == key_index) {
      return ctx_for(d, uid, key_index, key, false);
    }
  }
  auto& victim = tc.dec[tc.next_victim];
  tc.next_victim = (tc.next_victim + 1) % ThreadCiphers::kSlots;
  return ctx_for(victim, uid, key_index, key, false);
}

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdBytes) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

bool visible_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = uint8_t(v);
    v >>= 8;
  }
}

uint64_t get_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | p[i];
  }
  return v;
}

}  // namespace

std::string_view to_string(TokenError e) noexcept {
  switch (e) {
    case TokenError::ok:
      return "ok";
    case TokenError::malformed:
      return "malformed";
    case TokenError::unknown_key:
      return "unknown_key";
    case TokenError::bad_tag:
      return "bad_tag";
    case TokenError::expired:
      return "expired";
    case TokenError::future:
      return "future";
  }
  return "unknown";
}

std::string_view to_string(SealError e) noexcept {
  switch (e) {
    case SealError::ok:
      return "ok";
    case SealError::backend_too_long:
      return "backend_too_long";
    case SealError::session_id_too_long:
      return "session_id_too_long";
    case SealError::session_id_invalid:
      return "session_id_invalid";
    case SealError::crypto:
      return "crypto";
  }
  return "unknown";
}

KeyRing::KeyRing(std::vector<SessionKey> keys, TokenLimits limits)
    : uid_(g_next_ring_uid.fetch_add(1, std::memory_order_relaxed)),
      keys_(std::move(keys)),
      limits_(limits) {}

KeyRing::~KeyRing() {
  for (auto& k : keys_) {
    OPENSSL_cleanse(k.secret.data(), k.secret.size());
  }
}

std::optional<KeyRing> KeyRing::create(std::vector<SessionKey> keys, TokenLimits limits,
                                       std::string* error) {
  auto fail = [&](std::string msg) -> std::optional<KeyRing> {
    if (error != nullptr) {
      *error = std::move(msg);
    }
    return std::nullopt;
  };
  if (keys.empty()) {
    return fail("session key ring needs at least one key");
  }
  if (limits.ttl_seconds <= 0 || limits.max_future_skew_seconds < 0) {
    return fail("session token ttl must be > 0 and clock skew >= 0");
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!valid_key_id(keys[i].id)) {
      return fail("session key id '" + keys[i].id +
                  "' must be 1-16 characters of [A-Za-z0-9._-]");
    }
    for (size_t j = 0; j < i; ++j) {
      if (keys[j].id == keys[i].id) {
        return fail("duplicate session key id '" + keys[i].id + "'");
      }
    }
    const auto& s = keys[i].secret;
    if (std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; })) {
      return fail("session key '" + keys[i].id + "' is all zero bytes");
    }
  }
  if (aes_gcm() == nullptr) {
    return fail("OpenSSL does not provide AES-256-GCM");
  }
  return KeyRing(std::move(keys), limits);
}

KeyRing KeyRing::generate_ephemeral(TokenLimits limits) {
  SessionKey key;
  key.id = "eph";
  if (RAND_bytes(key.secret.data(), static_cast<int>(key.secret.size())) != 1 ||
      aes_gcm() == nullptr) {
    // No randomness or no AES at startup: nothing sensible can run.
    std::fputs("mcplb: OpenSSL cannot generate a session key\n", stderr);
    std::abort();
  }
  std::vector<SessionKey> keys;
  keys.push_back(key);
  OPENSSL_cleanse(key.secret.data(), key.secret.size());
  return KeyRing(std::move(keys), limits);
}

SealError KeyRing::seal(std::string_view backend, std::string_view session_id,
                        int64_t issued_at, std::string& out) const {
  out.clear();
  if (backend.empty() || backend.size() > kMaxBackendNameBytes) {
    return SealError::backend_too_long;
  }
  if (session_id.empty() || session_id.size() > kMaxBackendSessionIdBytes) {
    return SealError::session_id_too_long;
  }
  if (!visible_ascii(session_id)) {
    return SealError::session_id_invalid;
  }
  const SessionKey& key = keys_.front();

  uint8_t plain[kMaxPlaintextBytes];
  put_be64(plain, static_cast<uint64_t>(issued_at));
  plain[8] = static_cast<uint8_t>(backend.size());
  std::memcpy(plain + kPlaintextFixedBytes, backend.data(), backend.size());
  std::memcpy(plain + kPlaintextFixedBytes + backend.size(), session_id.data(),
              session_id.size());
  const size_t plain_len = kPlaintextFixedBytes + backend.size() + session_id.size();

  uint8_t token[kMaxTokenBytes];
  size_t pos = 0;
  token[pos++] = kTokenVersion;
  token[pos++] = static_cast<uint8_t>(key.id.size());
  std::memcpy(token + pos, key.id.data(), key.id.size());
  pos += key.id.size();
  const size_t aad_len = pos;
  uint8_t* nonce = token + pos;
  if (!next_nonce(nonce)) {
    return SealError::crypto;
  }
  pos += kNonceBytes;

  EVP_CIPHER_CTX* ctx = ctx_for(t_ciphers.enc, uid_, 0, key.secret.data(), true);
  int len = 0;
  if (ctx == nullptr || EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len, token, static_cast<int>(aad_len)) != 1 ||
      EVP_EncryptUpdate(ctx, token + pos, &len, plain, static_cast<int>(plain_len)) != 1) {
    t_ciphers.enc.uid = 0;
    return SealError::crypto;
  }
  pos += static_cast<size_t>(len);
  if (EVP_EncryptFinal_ex(ctx, token + pos, &len) != 1) {
    t_ciphers.enc.uid = 0;
    return SealError::crypto;
  }
  pos += static_cast<size_t>(len);
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTagBytes, token + pos) != 1) {
    t_ciphers.enc.uid = 0;
    return SealError::crypto;
  }
  pos += kTagBytes;

  out.resize(base64::url_encoded_size(pos));
  base64::url_encode({token, pos}, out.data());
  return SealError::ok;
}

TokenError KeyRing::open(std::string_view token, int64_t now, OpenedToken& out) const {
  if (token.size() < base64::url_encoded_size(kMinTokenBytes) || token.size() > kMaxTokenChars) {
    return TokenError::malformed;
  }
  uint8_t raw[base64::url_decoded_size(kMaxTokenChars) + 3];
  const auto decoded = base64::url_decode(token, raw);
  if (!decoded || *decoded < kMinTokenBytes || raw[0] != kTokenVersion) {
    return TokenError::malformed;
  }
  const size_t n = *decoded;
  const size_t id_len = raw[1];
  if (id_len == 0 || id_len > kMaxKeyIdBytes || n < kMinTokenBytes - 1 + id_len) {
    return TokenError::malformed;
  }
  const std::string_view id(reinterpret_cast<const char*>(raw + kHeaderFixedBytes), id_len);
  size_t key_index = keys_.size();
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].id == id) {
      key_index = i;
      break;
    }
  }
  if (key_index == keys_.size()) {
    return TokenError::unknown_key;
  }
  const size_t aad_len = kHeaderFixedBytes + id_len;
  const uint8_t* nonce = raw + aad_len;
  const uint8_t* cipher_text = nonce + kNonceBytes;
  const size_t cipher_len = n - aad_len - kNonceBytes - kTagBytes;
  // kMinTokenBytes guarantees cipher_len >= kPlaintextFixedBytes + 2.
  if (cipher_len > kMaxPlaintextBytes) {
    return TokenError::malformed;
  }
  uint8_t* tag = raw + n - kTagBytes;

  EVP_CIPHER_CTX* ctx = decrypt_ctx(uid_, key_index, keys_[key_index].secret.data());
  int len = 0;
  if (ctx == nullptr || EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &len, raw, static_cast<int>(aad_len)) != 1 ||
      EVP_DecryptUpdate(ctx, out.plain_.data(), &len, cipher_text,
                        static_cast<int>(cipher_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kTagBytes, tag) != 1) {
    return TokenError::bad_tag;
  }
  int final_len = 0;
  // OpenSSL compares the tag in constant time (CRYPTO_memcmp) inside Final.
  if (EVP_DecryptFinal_ex(ctx, out.plain_.data() + len, &final_len) != 1) {
    return TokenError::bad_tag;
  }
  const uint8_t* p = out.plain_.data();
  const size_t backend_len = p[8];
  if (backend_len == 0 || kPlaintextFixedBytes + backend_len >= cipher_len) {
    return TokenError::malformed;  // authentic but not ours: a key shared with something else
  }
  const int64_t issued_at = static_cast<int64_t>(get_be64(p));
  int64_t limit = 0;
  if (!__builtin_add_overflow(now, limits_.max_future_skew_seconds, &limit) &&
      issued_at > limit) {
    return TokenError::future;
  }
  if (!__builtin_add_overflow(issued_at, limits_.ttl_seconds, &limit) && limit < now) {
    return TokenError::expired;
  }
  out.issued_at_ = issued_at;
  out.key_index_ = key_index;
  out.backend_len_ = static_cast<uint16_t>(backend_len);
  out.session_len_ = static_cast<uint16_t>(cipher_len - kPlaintextFixedBytes - backend_len);
  return TokenError::ok;
}

}  // namespace mcplb::mcp
