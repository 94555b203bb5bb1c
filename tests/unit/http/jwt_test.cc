#include "http/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "jwt_test_util.h"

namespace mcplb::http {
namespace {

using test::b64url;
using test::hmac;
using test::hs256_token;
using test::make_token;

constexpr int64_t kNow = 1'700'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes
constexpr std::string_view kHs256 = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kRs256 = R"({"alg":"RS256","typ":"JWT"})";
constexpr std::string_view kEs256 = R"({"alg":"ES256","typ":"JWT"})";

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(bio);
  return s;
}

std::string public_pem(EVP_PKEY* k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k);
  return bio_text(bio);
}

std::string private_pem(EVP_PKEY* k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio);
}

std::string pkcs1_public_pem(EVP_PKEY* k) {
  BIO* bio = BIO_new(BIO_s_mem());
  OSSL_ENCODER_CTX* ctx =
      OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
  OSSL_ENCODER_to_bio(ctx, bio);
  OSSL_ENCODER_CTX_free(ctx);
  return bio_text(bio);
}

std::string digest_sign(EVP_PKEY* k, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, k, nullptr) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1) {
    sig.resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  return sig;
}

// JOSE ES256: DER ECDSA-Sig-Value -> r || s, 32 bytes each.
std::string es256_sign(EVP_PKEY* k, std::string_view input) {
  const std::string der = digest_sign(k, input);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string out(64, '\0');
  if (sig != nullptr) {
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 32);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
    ECDSA_SIG_free(sig);
  }
  return out;
}

class Jwt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/mcplb-jwt-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    rsa_ = EVP_RSA_gen(2048);
    ec_ = EVP_EC_gen("P-256");
    ASSERT_NE(rsa_, nullptr);
    ASSERT_NE(ec_, nullptr);
    rsa_pem_ = write("rsa.pub.pem", public_pem(rsa_));
    ec_pem_ = write("ec.pub.pem", public_pem(ec_));
    hs_file_ = write("hs256.key", kSecret + "\n");
  }

  static void TearDownTestSuite() {
    EVP_PKEY_free(rsa_);
    EVP_PKEY_free(ec_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static std::string write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  static JwtVerifier load(const std::string& path, std::string_view alg) {
    std::string err;
    auto v = JwtVerifier::load(path, alg, err);
    EXPECT_TRUE(v.has_value()) << err;
    if (!v) {
      std::abort();
    }
    return *v;
  }

  static std::string load_error(const std::string& path, std::string_view alg) {
    std::string err;
    auto v = JwtVerifier::load(path, alg, err);
    EXPECT_FALSE(v.has_value());
    return err;
  }

  std::optional<std::string> claim(const std::string& token, std::string_view name,
                                   const JwtVerifier* v, int64_t now = kNow) {
    auto r = jwt_claim("Bearer " + token, name, v, now, scratch_);
    return r ? std::optional<std::string>(*r) : std::nullopt;
  }

  static inline std::string dir_;
  static inline EVP_PKEY* rsa_ = nullptr;
  static inline EVP_PKEY* ec_ = nullptr;
  static inline std::string rsa_pem_;
  static inline std::string ec_pem_;
  static inline std::string hs_file_;
  std::string scratch_;
};

TEST_F(Jwt, Hs256Valid) {
  const JwtVerifier v = load(hs_file_, "HS256");  // the file's trailing newline is stripped
  EXPECT_EQ(v.alg(), JwtAlg::hs256);
  const std::string t = hs256_token(kSecret, R"({"sub":"alice","tenant":"t1"})");
  EXPECT_EQ(claim(t, "sub", &v), "alice");
  EXPECT_EQ(claim(t, "tenant", &v), "t1");
  EXPECT_EQ(claim(t, "missing", &v), std::nullopt);
}

TEST_F(Jwt, Hs384AndHs512) {
  const std::string s384(48, 'k');
  const std::string s512(64, 'K');
  const JwtVerifier v384 = load(write("hs384.key", s384), "HS384");
  const JwtVerifier v512 = load(write("hs512.key", s512), "HS512");
  const auto t384 = make_token(R"({"alg":"HS384"})", R"({"sub":"x"})",
                               [&](std::string_view in) { return hmac("SHA384", s384, in); });
  const auto t512 = make_token(R"({"alg":"HS512"})", R"({"sub":"y"})",
                               [&](std::string_view in) { return hmac("SHA512", s512, in); });
  EXPECT_EQ(claim(t384, "sub", &v384), "x");
  EXPECT_EQ(claim(t512, "sub", &v512), "y");
  EXPECT_EQ(claim(t384, "sub", &v512), std::nullopt);
  EXPECT_EQ(claim(t512, "sub", &v384), std::nullopt);
}

TEST_F(Jwt, TamperedTokens) {
  const JwtVerifier v = load(hs_file_, "HS256");
  const std::string good = hs256_token(kSecret, R"({"sub":"alice"})");
  ASSERT_EQ(claim(good, "sub", &v), "alice");

  // Another payload under the original signature.
  const std::string forged_payload =
      b64url(kHs256) + "." + b64url(R"({"sub":"admin"})") + good.substr(good.rfind('.'));
  EXPECT_EQ(claim(forged_payload, "sub", &v), std::nullopt);
  EXPECT_EQ(claim(forged_payload, "sub", nullptr), "admin");  // unverified: any token

  std::string flipped = good;
  char& c = flipped[flipped.size() - 5];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(claim(flipped, "sub", &v), std::nullopt);

  const std::string truncated = good.substr(0, good.size() - 2);
  EXPECT_EQ(claim(truncated, "sub", &v), std::nullopt);

  const std::string other_key = hs256_token(std::string(32, 'z'), R"({"sub":"alice"})");
  EXPECT_EQ(claim(other_key, "sub", &v), std::nullopt);

  // The original still verifies after the failures (the cached context was reset each time).
  EXPECT_EQ(claim(good, "sub", &v), "alice");
}

TEST_F(Jwt, AlgorithmMustMatch) {
  const JwtVerifier hs = load(hs_file_, "HS256");
  const JwtVerifier rs = load(rsa_pem_, "RS256");

  // alg "none" with an empty signature.
  const std::string none = b64url(R"({"alg":"none"})") + "." + b64url(R"({"sub":"x"})") + ".";
  EXPECT_EQ(claim(none, "sub", &hs), std::nullopt);
  EXPECT_EQ(claim(none, "sub", &rs), std::nullopt);
  EXPECT_EQ(claim(none, "sub", nullptr), "x");

  // HS/RS confusion: an HS256 token MACed with the RSA public key's PEM text.
  std::ifstream in(rsa_pem_);
  const std::string pem((std::istreambuf_iterator<char>(in)), {});
  const auto confused = make_token(
      kHs256, R"({"sub":"x"})", [&](std::string_view input) { return hmac("SHA256", pem, input); });
  EXPECT_EQ(claim(confused, "sub", &rs), std::nullopt);
  const auto confused_rs = make_token(
      kRs256, R"({"sub":"x"})", [&](std::string_view input) { return hmac("SHA256", pem, input); });
  EXPECT_EQ(claim(confused_rs, "sub", &rs), std::nullopt);

  // A valid HS256 token for an RS256 verifier, and the other way round.
  EXPECT_EQ(claim(hs256_token(kSecret, R"({"sub":"x"})"), "sub", &rs), std::nullopt);
  const auto rs_token = make_token(
      kRs256, R"({"sub":"x"})", [&](std::string_view input) { return digest_sign(rsa_, input); });
  EXPECT_EQ(claim(rs_token, "sub", &rs), "x");
  EXPECT_EQ(claim(rs_token, "sub", &hs), std::nullopt);

  // Case matters; a missing, duplicated or non-string alg is refused.
  EXPECT_EQ(claim(hs256_token(kSecret, R"({"sub":"x"})", R"({"alg":"hs256"})"), "sub", &hs),
            std::nullopt);
  EXPECT_EQ(claim(hs256_token(kSecret, R"({"sub":"x"})", R"({"typ":"JWT"})"), "sub", &hs),
            std::nullopt);
  EXPECT_EQ(
      claim(hs256_token(kSecret, R"({"sub":"x"})", R"({"alg":"HS256","alg":"HS256"})"), "sub", &hs),
      std::nullopt);
  EXPECT_EQ(claim(hs256_token(kSecret, R"({"sub":"x"})", R"({"alg":256})"), "sub", &hs),
            std::nullopt);
  // An escaped spelling of the right name is the right name.
  EXPECT_EQ(claim(hs256_token(kSecret, R"({"sub":"x"})", R"({"\u0061lg":"HS\u0032\u00356"})"),
                  "sub", &hs),
            "x");
  // Critical extensions are not understood.
  EXPECT_EQ(claim(hs256_token(kSecret, R"({"sub":"x"})", R"({"alg":"HS256","crit":["b64"]})"),
                  "sub", &hs),
            std::nullopt);
}

TEST_F(Jwt, Rs256) {
  const JwtVerifier v = load(rsa_pem_, "RS256");
  EXPECT_EQ(v.alg(), JwtAlg::rs256);
  const auto sign = [&](std::string_view input) { return digest_sign(rsa_, input); };
  const std::string t = make_token(kRs256, R"({"sub":"bob"})", sign);
  EXPECT_EQ(claim(t, "sub", &v), "bob");
  std::string bad = t;
  bad[bad.size() - 10] = bad[bad.size() - 10] == 'x' ? 'y' : 'x';
  EXPECT_EQ(claim(bad, "sub", &v), std::nullopt);
  const std::string forged =
      b64url(kRs256) + "." + b64url(R"({"sub":"eve"})") + t.substr(t.rfind('.'));
  EXPECT_EQ(claim(forged, "sub", &v), std::nullopt);

  // PKCS#1 "BEGIN RSA PUBLIC KEY" is read too.
  const JwtVerifier v1 = load(write("rsa.pkcs1.pem", pkcs1_public_pem(rsa_)), "RS256");
  EXPECT_EQ(claim(t, "sub", &v1), "bob");
}

TEST_F(Jwt, Es256) {
  const JwtVerifier v = load(ec_pem_, "ES256");
  EXPECT_EQ(v.alg(), JwtAlg::es256);
  // Many signatures, so r and s with leading zero bytes or the top bit set are all seen by
  // the r||s -> DER conversion.
  for (int i = 0; i < 64; ++i) {
    const std::string payload = R"({"sub":"user)" + std::to_string(i) + R"("})";
    const std::string t =
        make_token(kEs256, payload, [&](std::string_view input) { return es256_sign(ec_, input); });
    ASSERT_EQ(claim(t, "sub", &v), "user" + std::to_string(i)) << t;
    std::string bad = t;
    bad[bad.rfind('.') + 3] = bad[bad.rfind('.') + 3] == 'Q' ? 'R' : 'Q';
    EXPECT_EQ(claim(bad, "sub", &v), std::nullopt);
  }
  // A DER signature (what OpenSSL produces) is not a JOSE signature.
  const std::string der = make_token(
      kEs256, R"({"sub":"x"})", [&](std::string_view input) { return digest_sign(ec_, input); });
  EXPECT_EQ(claim(der, "sub", &v), std::nullopt);
  // All-zero r and s.
  const std::string zero =
      make_token(kEs256, R"({"sub":"x"})", [](std::string_view) { return std::string(64, '\0'); });
  EXPECT_EQ(claim(zero, "sub", &v), std::nullopt);
}

TEST_F(Jwt, ExpiryAndNotBefore) {
  const JwtVerifier v = load(hs_file_, "HS256");
  const auto tok = [&](const std::string& times) {
    return hs256_token(kSecret, R"({"sub":"a")" + times + "}");
  };
  const std::string now = std::to_string(kNow);
  EXPECT_EQ(claim(tok(",\"exp\":" + std::to_string(kNow + 10)), "sub", &v), "a");
  EXPECT_EQ(claim(tok(",\"exp\":" + std::to_string(kNow - 30)), "sub", &v), "a");  // leeway
  EXPECT_EQ(claim(tok(",\"exp\":" + std::to_string(kNow - 61)), "sub", &v), std::nullopt);
  EXPECT_EQ(claim(tok(",\"exp\":" + std::to_string(kNow - 120)), "sub", &v), std::nullopt);
  EXPECT_EQ(claim(tok(",\"exp\":" + now + ".5"), "sub", &v), "a");
  EXPECT_EQ(claim(tok(",\"nbf\":" + std::to_string(kNow + 30)), "sub", &v), "a");  // leeway
  EXPECT_EQ(claim(tok(",\"nbf\":" + std::to_string(kNow + 120)), "sub", &v), std::nullopt);
  EXPECT_EQ(claim(tok(",\"nbf\":1e3,\"exp\":1e10"), "sub", &v), "a");
  EXPECT_EQ(claim(tok(",\"exp\":\"" + now + "\""), "sub", &v), std::nullopt);  // not a number
  EXPECT_EQ(claim(tok(",\"exp\":null"), "sub", &v), std::nullopt);
  EXPECT_EQ(claim(tok(",\"exp\":1e10,\"exp\":1"), "sub", &v), std::nullopt);  // duplicate
  EXPECT_EQ(claim(tok(",\"exp\":1e999"), "sub", &v), std::nullopt);
  // Unverified reads do not look at the times.
  EXPECT_EQ(claim(tok(",\"exp\":1"), "sub", nullptr), "a");
  // The time claims themselves can be the key.
  EXPECT_EQ(claim(tok(",\"exp\":" + std::to_string(kNow + 10)), "exp", &v),
            std::to_string(kNow + 10));
}

TEST_F(Jwt, UnverifiedShape) {
  const auto tok = [](std::string_view header, std::string_view payload) {
    return b64url(header) + "." + b64url(payload) + "." + b64url("sig");
  };
  EXPECT_EQ(claim(tok(R"({"alg":"none"})", R"({"sub":"a"})"), "sub", nullptr), "a");
  EXPECT_EQ(claim(tok(R"({"alg":"XX"})", R"({"sub":"a"})"), "sub", nullptr), "a");
  EXPECT_EQ(claim(tok(R"({"alg":"RS256","crit":["x"]})", R"({"sub":"a"})"), "sub", nullptr), "a");
  EXPECT_EQ(claim(tok(R"({})", R"({"sub":"a"})"), "sub", nullptr), std::nullopt);  // no alg
  EXPECT_EQ(claim(tok(R"([])", R"({"sub":"a"})"), "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(tok(R"({"alg":"none"})", R"(["sub"])"), "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(tok(R"({"alg":"none"})", R"({"sub":"a"} x)"), "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(tok(R"({"alg":"none"})", R"({"sub":"a")"), "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(tok(R"({"alg":"none"})", "not json"), "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(tok(R"({"alg":"none"})", ""), "sub", nullptr), std::nullopt);

  const std::string h = b64url(R"({"alg":"none"})");
  const std::string p = b64url(R"({"sub":"a"})");
  EXPECT_EQ(claim(h + "." + p, "sub", nullptr), std::nullopt);             // two segments
  EXPECT_EQ(claim(h + "." + p + "..", "sub", nullptr), std::nullopt);      // four
  EXPECT_EQ(claim(h + "." + p + ".a.b.c", "sub", nullptr), std::nullopt);  // JWE-like
  EXPECT_EQ(claim("." + p + ".", "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(h + "..", "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(h + "=." + p + ".", "sub", nullptr), std::nullopt);   // padding
  EXPECT_EQ(claim(h + "." + p + "+/.", "sub", nullptr), std::nullopt);  // std alphabet
  EXPECT_EQ(claim(h + "." + p + ".!!", "sub", nullptr), std::nullopt);
  EXPECT_EQ(claim(h + "." + p + ".", "", nullptr), std::nullopt);  // no claim name
  EXPECT_EQ(claim(h + "." + p + ".", "sub", nullptr), "a");
}

TEST_F(Jwt, ClaimTypes) {
  const auto c = [&](std::string_view payload, std::string_view name) {
    return claim(hs256_token(kSecret, payload), name, nullptr);
  };
  EXPECT_EQ(c(R"({"sub":"a\"b\\c\u00e9\/"})", "sub"), "a\"b\\c\xc3\xa9/");
  EXPECT_EQ(c(R"({"sub":"\ud83d\ude00"})", "sub"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(c(R"({"sub":"\ud83d"})", "sub"), std::nullopt);  // lone surrogate
  EXPECT_EQ(c(R"({"sub":"\x"})", "sub"), std::nullopt);
  EXPECT_EQ(c(R"({"sub":""})", "sub"), "");
  EXPECT_EQ(c(R"({"uid":42})", "uid"), "42");
  EXPECT_EQ(c(R"({"uid": -1.5e3 })", "uid"), "-1.5e3");
  EXPECT_EQ(c(R"({"uid":12345678901234567890123})", "uid"), "12345678901234567890123");
  EXPECT_EQ(c(R"({"uid":01})", "uid"), std::nullopt);
  EXPECT_EQ(c(R"({"b":true})", "b"), std::nullopt);
  EXPECT_EQ(c(R"({"n":null})", "n"), std::nullopt);
  EXPECT_EQ(c(R"({"o":{"sub":"x"}})", "o"), std::nullopt);
  EXPECT_EQ(c(R"({"o":{"sub":"x"}})", "sub"), std::nullopt);  // top level only
  EXPECT_EQ(c(R"({"a":["sub"]})", "a"), std::nullopt);
  EXPECT_EQ(c(R"({"sub":"a","sub":"b"})", "sub"), std::nullopt);  // duplicate
  EXPECT_EQ(c(R"({"sub":"a","\u0073ub":"b"})", "sub"), std::nullopt);
  EXPECT_EQ(c(R"({"\u0073ub":"b"})", "sub"), "b");
  EXPECT_EQ(c(R"({"x":{"y":[1,2,{"z":"w"}]},"sub":"s"})", "sub"), "s");
}

TEST_F(Jwt, BearerScheme) {
  const std::string t = hs256_token(kSecret, R"({"sub":"a"})");
  for (const std::string& auth :
       {"Bearer " + t, "bearer " + t, "BEARER   " + t, " Bearer\t" + t + "  "}) {
    auto r = jwt_claim(auth, "sub", nullptr, kNow, scratch_);
    EXPECT_EQ(r.value_or("<none>"), "a") << auth;
  }
  for (const std::string& auth : {"Basic " + t, "Bearer" + t, std::string("Bearer "),
                                  std::string("Bearer"), t, std::string()}) {
    EXPECT_EQ(jwt_claim(auth, "sub", nullptr, kNow, scratch_), std::nullopt) << auth;
  }
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
}

TEST_F(Jwt, SizeBound) {
  const JwtVerifier v = load(hs_file_, "HS256");
  std::string pad(kMaxJwtBytes, 'x');
  std::string t = hs256_token(kSecret, R"({"sub":"a","p":")" + pad + "\"}");
  ASSERT_GT(t.size(), kMaxJwtBytes);
  EXPECT_EQ(claim(t, "sub", nullptr), std::nullopt);
  // Just inside the bound.
  pad.resize(kMaxJwtBytes / 4 * 3 - 200);
  t = hs256_token(kSecret, R"({"sub":"a","p":")" + pad + "\"}");
  ASSERT_LE(t.size(), kMaxJwtBytes);
  EXPECT_EQ(claim(t, "sub", &v), "a");
  // A long escaped claim fits the unescape area.
  std::string esc;
  while (esc.size() + 60 < kMaxJwtBytes / 4 * 3 - 100) {
    esc += "\\n";
  }
  t = hs256_token(kSecret, R"({"sub":")" + esc + "\"}");
  ASSERT_LE(t.size(), kMaxJwtBytes);
  EXPECT_EQ(claim(t, "sub", &v), std::string(esc.size() / 2, '\n'));
}

TEST_F(Jwt, ScratchIsReused) {
  const JwtVerifier v = load(hs_file_, "HS256");
  const std::string plain = hs256_token(kSecret, R"({"sub":"alice"})");
  const std::string escaped = hs256_token(kSecret, R"({"sub":"al\u0069ce"})");
  std::string scratch;
  auto r = jwt_claim("Bearer " + plain, "sub", &v, kNow, scratch);
  ASSERT_EQ(r, "alice");
  const size_t cap = scratch.capacity();
  const char* data = scratch.data();
  EXPECT_GE(scratch.size(), kJwtScratchBytes);
  for (int i = 0; i < 10; ++i) {
    r = jwt_claim("Bearer " + escaped, "sub", &v, kNow, scratch);
    ASSERT_EQ(r, "alice");
    EXPECT_GE(r->data(), scratch.data());
    EXPECT_LE(r->data() + r->size(), scratch.data() + scratch.size());
    r = jwt_claim("Bearer " + plain, "sub", &v, kNow, scratch);
    ASSERT_EQ(r, "alice");
    EXPECT_GE(r->data(), scratch.data());
  }
  EXPECT_EQ(scratch.capacity(), cap);
  EXPECT_EQ(scratch.data(), data);
}

TEST_F(Jwt, ManyVerifiersShareThreadContexts) {
  // More keys than a thread caches contexts for, interleaved: each must keep its own key.
  std::vector<std::string> secrets;
  std::vector<JwtVerifier> vs;
  for (int i = 0; i < 7; ++i) {
    secrets.push_back(std::string(32, static_cast<char>('a' + i)));
    std::string err;
    vs.push_back(*JwtVerifier::from_key(JwtAlg::hs256, secrets.back(), "test", err));
  }
  vs.push_back(load(ec_pem_, "ES256"));
  vs.push_back(load(rsa_pem_, "RS256"));
  const std::string es = make_token(kEs256, R"({"sub":"es"})",
                                    [&](std::string_view in) { return es256_sign(ec_, in); });
  const std::string rs = make_token(kRs256, R"({"sub":"rs"})",
                                    [&](std::string_view in) { return digest_sign(rsa_, in); });
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < 7; ++i) {
      const std::string t = hs256_token(secrets[i], R"({"sub":"k)" + std::to_string(i) + "\"}");
      for (size_t j = 0; j < vs.size(); ++j) {
        EXPECT_EQ(claim(t, "sub", &vs[j]).has_value(), i == j) << i << " " << j;
      }
    }
    EXPECT_EQ(claim(es, "sub", &vs[7]), "es");
    EXPECT_EQ(claim(rs, "sub", &vs[8]), "rs");
    EXPECT_EQ(claim(es, "sub", &vs[8]), std::nullopt);
  }
  // Copies share the key.
  const JwtVerifier copy = vs[0];
  EXPECT_EQ(claim(hs256_token(secrets[0], R"({"sub":"c"})"), "sub", &copy), "c");
}

TEST_F(Jwt, ConcurrentVerification) {
  const JwtVerifier hs = load(hs_file_, "HS256");
  const JwtVerifier es = load(ec_pem_, "ES256");
  const std::string hs_good = hs256_token(kSecret, R"({"sub":"h"})");
  const std::string hs_bad = hs256_token(std::string(32, 'q'), R"({"sub":"h"})");
  const std::string es_good = make_token(kEs256, R"({"sub":"e"})",
                                         [&](std::string_view in) { return es256_sign(ec_, in); });
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::string scratch;
      for (int i = 0; i < 100; ++i) {
        const auto a = jwt_claim("Bearer " + hs_good, "sub", &hs, kNow, scratch);
        if (a != "h") {
          ++failures;
        }
        if (jwt_claim("Bearer " + hs_bad, "sub", &hs, kNow, scratch)) {
          ++failures;
        }
        if (i % 10 == 0 && jwt_claim("Bearer " + es_good, "sub", &es, kNow, scratch) != "e") {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(Jwt, LoadErrors) {
  EXPECT_NE(load_error(hs_file_, "HS257").find("unknown JWT algorithm 'HS257'"), std::string::npos);
  EXPECT_NE(load_error(hs_file_, "none").find("unknown JWT algorithm"), std::string::npos);
  EXPECT_NE(load_error(dir_ + "/missing.key", "HS256").find("cannot open"), std::string::npos);

  const std::string short_file = write("short.key", std::string(31, 's') + "\n");
  const std::string err = load_error(short_file, "HS256");
  EXPECT_NE(err.find("at least 32 bytes"), std::string::npos) << err;
  EXPECT_NE(err.find("has 31"), std::string::npos) << err;
  EXPECT_NE(err.find(short_file), std::string::npos) << err;
  EXPECT_NE(load_error(hs_file_, "HS384").find("at least 48 bytes"), std::string::npos);
  EXPECT_NE(load_error(write("empty.key", ""), "HS256").find("has 0"), std::string::npos);

  const std::string crlf = write("crlf.key", kSecret + "\r\n");
  const JwtVerifier v = load(crlf, "HS256");
  EXPECT_EQ(claim(hs256_token(kSecret, R"({"sub":"a"})"), "sub", &v), "a");

  EXPECT_NE(load_error(write("priv.pem", private_pem(ec_)), "ES256").find("private key"),
            std::string::npos);
  EXPECT_NE(load_error(write("priv_rsa.pem", private_pem(rsa_)), "RS256").find("private key"),
            std::string::npos);
  EXPECT_NE(load_error(ec_pem_, "RS256").find("RSA public key"), std::string::npos);
  EXPECT_NE(load_error(rsa_pem_, "ES256").find("P-256"), std::string::npos);
  EXPECT_NE(load_error(write("garbage.pem", "hello"), "RS256").find("no PEM public key"),
            std::string::npos);

  EVP_PKEY* small = EVP_RSA_gen(1024);
  EXPECT_NE(load_error(write("rsa1024.pem", public_pem(small)), "RS256").find("2048"),
            std::string::npos);
  EVP_PKEY_free(small);
  EVP_PKEY* p384 = EVP_EC_gen("P-384");
  EXPECT_NE(load_error(write("p384.pem", public_pem(p384)), "ES256").find("P-256"),
            std::string::npos);
  EVP_PKEY_free(p384);

  EXPECT_NE(load_error(dir_, "HS256"), "");  // a directory
}

TEST(JwtAlgNames, RoundTrip) {
  for (JwtAlg a : {JwtAlg::hs256, JwtAlg::hs384, JwtAlg::hs512, JwtAlg::rs256, JwtAlg::es256}) {
    EXPECT_EQ(parse_jwt_alg(jwt_alg_name(a)), a);
  }
  EXPECT_EQ(parse_jwt_alg("hs256"), std::nullopt);
  EXPECT_EQ(parse_jwt_alg("none"), std::nullopt);
}

}  // namespace
}  // namespace mcplb::http
