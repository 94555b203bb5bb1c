#include "http/jwt_verifier.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mcplb::http {

namespace {

// The key itself; JwtVerifier::Key (private in the header) is this, so the helpers below can
// take it.
struct KeyMaterial {
  JwtAlg alg = JwtAlg::hs256;
  uint64_t uid = 0;             // names this key in the per-thread context cache; never reused
  std::vector<uint8_t> secret;  // HS*
  EVP_PKEY* pkey = nullptr;     // RS256, ES256
  size_t sig_size = 0;          // exact signature length the algorithm and key produce

  KeyMaterial() = default;
  KeyMaterial(const KeyMaterial&) = delete;
  KeyMaterial& operator=(const KeyMaterial&) = delete;
  ~KeyMaterial() {
    if (!secret.empty()) {
      OPENSSL_cleanse(secret.data(), secret.size());
    }
    EVP_PKEY_free(pkey);
  }
};

std::atomic<uint64_t> g_next_key_uid{1};

bool is_hmac(JwtAlg a) { return a == JwtAlg::hs256 || a == JwtAlg::hs384 || a == JwtAlg::hs512; }

// RFC 7518 section 3.2: an HMAC key at least as long as the hash output.
size_t hmac_size(JwtAlg a) { return a == JwtAlg::hs512 ? 64 : a == JwtAlg::hs384 ? 48 : 32; }

const char* digest_name(JwtAlg a) {
  return a == JwtAlg::hs512 ? "SHA512" : a == JwtAlg::hs384 ? "SHA384" : "SHA256";
}

// Fetched once: implicit fetches (EVP_sha256()) repeat the provider lookup on every init in
// OpenSSL 3.
EVP_MAC* hmac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// Per-thread verification contexts, each remembering which key it holds, so a verification
// re-initialises a prepared context instead of building one (key schedule, provider lookups).
struct Slot {
  uint64_t uid = 0;  // 0 = empty
  EVP_MAC_CTX* mac = nullptr;
  EVP_PKEY_CTX* pkey = nullptr;
};

void release(Slot& s) {
  EVP_MAC_CTX_free(s.mac);
  EVP_PKEY_CTX_free(s.pkey);
  s = Slot{};
}

struct ThreadContexts {
  static constexpr size_t kSlots = 4;  // one key per pool using jwt_claim: rarely more
  std::array<Slot, kSlots> slots;
  size_t next_victim = 0;
  EVP_MD_CTX* md = nullptr;

  ~ThreadContexts() {
    for (auto& s : slots) {
      release(s);
    }
    EVP_MD_CTX_free(md);
  }
};

thread_local ThreadContexts t_contexts;

// Builds the slot's context for `k`; false leaves the slot empty.
bool prepare_slot(Slot& s, const KeyMaterial& k) {
  if (is_hmac(k.alg)) {
    s.mac = EVP_MAC_CTX_new(hmac());
    char* name = const_cast<char*>(digest_name(k.alg));
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (s.mac == nullptr || EVP_MAC_init(s.mac, k.secret.data(), k.secret.size(), params) != 1) {
      release(s);
      return false;
    }
  } else {
    s.pkey = EVP_PKEY_CTX_new_from_pkey(nullptr, k.pkey, nullptr);
    bool ok = s.pkey != nullptr && EVP_PKEY_verify_init(s.pkey) == 1;
    if (ok && k.alg == JwtAlg::rs256) {
      // PKCS #1 v1.5 with the DigestInfo for SHA-256 checked (RFC 7518 section 3.3).
      ok = EVP_PKEY_CTX_set_rsa_padding(s.pkey, RSA_PKCS1_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(s.pkey, sha256()) == 1;
    }
    if (!ok) {
      release(s);
      return false;
    }
  }
  s.uid = k.uid;
  return true;
}

Slot* slot_for(const KeyMaterial& k) {
  ThreadContexts& tc = t_contexts;
  for (Slot& s : tc.slots) {
    if (s.uid == k.uid) {
      return &s;
    }
  }
  Slot& victim = tc.slots[tc.next_victim];
  tc.next_victim = (tc.next_victim + 1) % ThreadContexts::kSlots;
  release(victim);
  return prepare_slot(victim, k) ? &victim : nullptr;
}

bool digest_sha256(std::string_view data, uint8_t (&out)[32]) {
  ThreadContexts& tc = t_contexts;
  if (tc.md == nullptr) {
    tc.md = EVP_MD_CTX_new();
    if (tc.md == nullptr) {
      return false;
    }
  }
  unsigned int len = 0;
  return EVP_DigestInit_ex2(tc.md, sha256(), nullptr) == 1 &&
         EVP_DigestUpdate(tc.md, data.data(), data.size()) == 1 &&
         EVP_DigestFinal_ex(tc.md, out, &len) == 1 && len == 32;
}

// One DER INTEGER from a big-endian unsigned value: minimal length, a 0x00 in front when the
// top bit is set (it would read as negative).
size_t der_integer(const uint8_t* v, size_t n, uint8_t* out) {
  while (n > 1 && *v == 0) {
    ++v;
    --n;
  }
  const size_t pad = (*v & 0x80) != 0 ? 1 : 0;
  out[0] = 0x02;
  out[1] = static_cast<uint8_t>(n + pad);
  out[2] = 0;
  std::memcpy(out + 2 + pad, v, n);
  return 2 + pad + n;
}

// JOSE ES256 signatures are r || s, 32 bytes each (RFC 7518 section 3.4); OpenSSL verifies
// the DER ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER }. At most 2 + 2 * 35 = 72 bytes,
// so the length fits one byte.
constexpr size_t kEcdsaDerMax = 72;
size_t ecdsa_der(std::span<const uint8_t> rs, uint8_t (&out)[kEcdsaDerMax]) {
  size_t len = 2;
  len += der_integer(rs.data(), 32, out + len);
  len += der_integer(rs.data() + 32, 32, out + len);
  out[0] = 0x30;
  out[1] = static_cast<uint8_t>(len - 2);
  return len;
}

int no_password(char*, int, int, void*) { return 0; }

// A PEM public key (SPKI or PKCS#1 RSA) or certificate; nullptr with `err` set otherwise.
EVP_PKEY* read_public_pem(std::string_view pem, std::string_view what, std::string& err) {
  if (pem.find("PRIVATE KEY-----") != std::string_view::npos) {
    err = fmt::format(
        "{}: holds a private key; give mcplb only the public key "
        "(openssl pkey -in key.pem -pubout -out pub.pem)",
        what);
    return nullptr;
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) {
    err = fmt::format("{}: out of memory", what);
    return nullptr;
  }
  EVP_PKEY* pk = PEM_read_bio_PUBKEY(bio, nullptr, no_password, nullptr);
  if (pk == nullptr && BIO_reset(bio) == 1) {
    if (X509* cert = PEM_read_bio_X509(bio, nullptr, no_password, nullptr)) {
      pk = X509_get_pubkey(cert);
      X509_free(cert);
    }
  }
  if (pk == nullptr && BIO_reset(bio) == 1) {
    // "BEGIN RSA PUBLIC KEY" (PKCS#1), which PEM_read_bio_PUBKEY does not read.
    OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pk, "PEM", "type-specific", "RSA",
                                                           EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    if (dctx != nullptr) {
      if (OSSL_DECODER_from_bio(dctx, bio) != 1) {
        pk = nullptr;
      }
      OSSL_DECODER_CTX_free(dctx);
    }
  }
  BIO_free(bio);
  ERR_clear_error();
  if (pk == nullptr) {
    err = fmt::format(
        "{}: no PEM public key or certificate found (expected -----BEGIN PUBLIC KEY-----)", what);
  }
  return pk;
}

bool is_p256(EVP_PKEY* pk) {
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(pk, group, sizeof group, &len) != 1) {
    return false;
  }
  return OBJ_txt2nid(group) == NID_X9_62_prime256v1;
}

// Reads at most kMaxJwtKeyFileBytes; false with `err` set on failure.
bool read_file(const std::string& path, std::string& out, std::string& err) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    err = fmt::format("{}: cannot open: {}", path, std::strerror(errno));
    return false;
  }
  out.resize(kMaxJwtKeyFileBytes + 1);
  const size_t n = std::fread(out.data(), 1, out.size(), f);
  const bool failed = std::ferror(f) != 0;
  const int saved = errno;
  std::fclose(f);
  if (failed) {
    err = fmt::format("{}: cannot read: {}", path, std::strerror(saved));
    return false;
  }
  if (n > kMaxJwtKeyFileBytes) {
    err = fmt::format("{}: larger than {} bytes; not a key file", path, kMaxJwtKeyFileBytes);
    return false;
  }
  out.resize(n);
  return true;
}

}  // namespace

struct JwtVerifier::Key : KeyMaterial {};

std::optional<JwtAlg> parse_jwt_alg(std::string_view name) noexcept {
  for (JwtAlg a : {JwtAlg::hs256, JwtAlg::hs384, JwtAlg::hs512, JwtAlg::rs256, JwtAlg::es256}) {
    if (jwt_alg_name(a) == name) {
      return a;
    }
  }
  return std::nullopt;
}

std::string_view jwt_alg_name(JwtAlg alg) noexcept {
  switch (alg) {
    case JwtAlg::hs256:
      return "HS256";
    case JwtAlg::hs384:
      return "HS384";
    case JwtAlg::hs512:
      return "HS512";
    case JwtAlg::rs256:
      return "RS256";
    case JwtAlg::es256:
      return "ES256";
  }
  return "";
}

std::optional<JwtVerifier> JwtVerifier::load(const std::string& path, std::string_view alg,
                                             std::string& err) {
  const std::optional<JwtAlg> a = parse_jwt_alg(alg);
  if (!a) {
    err = fmt::format("unknown JWT algorithm '{}' (expected HS256, HS384, HS512, RS256 or ES256)",
                      alg);
    return std::nullopt;
  }
  std::string bytes;
  if (!read_file(path, bytes, err)) {
    return std::nullopt;
  }
  std::string_view key = bytes;
  if (is_hmac(*a)) {
    // Editors and `echo` end files with a newline; it is not part of the secret.
    if (key.ends_with("\r\n")) {
      key.remove_suffix(2);
    } else if (key.ends_with('\n')) {
      key.remove_suffix(1);
    }
  }
  std::optional<JwtVerifier> v = from_key(*a, key, path, err);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return v;
}

std::optional<JwtVerifier> JwtVerifier::from_key(JwtAlg alg, std::string_view key,
                                                 std::string_view what, std::string& err) {
  auto k = std::make_shared<Key>();
  k->alg = alg;
  k->uid = g_next_key_uid.fetch_add(1, std::memory_order_relaxed);
  const std::string_view name = jwt_alg_name(alg);
  if (is_hmac(alg)) {
    const size_t min = hmac_size(alg);
    if (key.size() < min) {
      err = fmt::format(
          "{}: {} needs a secret of at least {} bytes (RFC 7518 section 3.2), this one has {}",
          what, name, min, key.size());
      return std::nullopt;
    }
    k->secret.assign(key.begin(), key.end());
    k->sig_size = min;
    return JwtVerifier(std::move(k));
  }
  k->pkey = read_public_pem(key, what, err);
  if (k->pkey == nullptr) {
    return std::nullopt;
  }
  if (alg == JwtAlg::rs256) {
    if (!EVP_PKEY_is_a(k->pkey, "RSA")) {
      err = fmt::format("{}: RS256 needs an RSA public key, this is {}", what,
                        EVP_PKEY_get0_type_name(k->pkey));
      return std::nullopt;
    }
    const int bits = EVP_PKEY_get_bits(k->pkey);
    if (bits < 2048 || bits > 8192) {
      err = fmt::format("{}: RS256 needs an RSA key of 2048 to 8192 bits, this one has {}", what,
                        bits);
      return std::nullopt;
    }
    k->sig_size = static_cast<size_t>(EVP_PKEY_get_size(k->pkey));
  } else {
    if (!EVP_PKEY_is_a(k->pkey, "EC") || !is_p256(k->pkey)) {
      err = fmt::format("{}: ES256 needs a P-256 (prime256v1) EC public key", what);
      return std::nullopt;
    }
    k->sig_size = 64;
  }
  return JwtVerifier(std::move(k));
}

JwtAlg JwtVerifier::alg() const noexcept { return key_->alg; }

bool JwtVerifier::verify(std::string_view signing_input,
                         std::span<const uint8_t> signature) const noexcept {
  if (!key_) {
    return false;  // moved-from
  }
  const Key& k = *key_;
  if (signature.size() != k.sig_size) {
    return false;
  }
  Slot* s = slot_for(k);
  bool ok = false;
  if (s == nullptr) {
    ok = false;
  } else if (is_hmac(k.alg)) {
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t len = 0;
    ok = EVP_MAC_init(s->mac, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(s->mac, reinterpret_cast<const uint8_t*>(signing_input.data()),
                        signing_input.size()) == 1 &&
         EVP_MAC_final(s->mac, mac, &len, sizeof mac) == 1 && len == signature.size() &&
         CRYPTO_memcmp(mac, signature.data(), len) == 0;
  } else {
    uint8_t digest[32];
    if (digest_sha256(signing_input, digest)) {
      if (k.alg == JwtAlg::es256) {
        uint8_t der[kEcdsaDerMax];
        const size_t n = ecdsa_der(signature, der);
        ok = EVP_PKEY_verify(s->pkey, der, n, digest, sizeof digest) == 1;
      } else {
        ok = EVP_PKEY_verify(s->pkey, signature.data(), signature.size(), digest, sizeof digest) ==
             1;
      }
    }
  }
  if (!ok) {
    // A failed verification leaves entries on this thread's OpenSSL error queue, where TLS
    // code on the same worker (SSL_get_error) would later mistake them for its own.
    ERR_clear_error();
  }
  return ok;
}

}  // namespace mcplb::http
