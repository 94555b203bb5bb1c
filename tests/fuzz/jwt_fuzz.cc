// Arbitrary bytes -> http::jwt_claim, unverified and with an HS256 verifier. The input is used
// three ways: as an Authorization value, as the payload of a correctly signed token and as
// the header of one. Checks: never crashes; results point into the scratch buffer or the
// input; the scratch never moves once grown; a signed token's claim is the same whether it is
// verified or not (verification only ever removes answers).
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "http/jwt.h"
#include "mcp/base64.h"

namespace {

using mcplb::http::JwtVerifier;

constexpr int64_t kNow = 1'700'000'000;
const std::string kSecret(32, 'f');

const JwtVerifier& verifier() {
  static const JwtVerifier v = [] {
    std::string err;
    auto r = JwtVerifier::from_key(mcplb::http::JwtAlg::hs256, kSecret, "fuzz", err);
    if (!r) {
      std::abort();
    }
    return *r;
  }();
  return v;
}

std::string b64url(std::string_view bytes) {
  std::string out(mcplb::mcp::base64::url_encoded_size(bytes.size()), '\0');
  mcplb::mcp::base64::url_encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      out.data());
  return out;
}

std::string sign(std::string_view header, std::string_view payload) {
  std::string input = b64url(header) + "." + b64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, kSecret.data(), kSecret.size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac,
                &len) == nullptr) {
    std::abort();
  }
  return input + "." + b64url(std::string_view(reinterpret_cast<const char*>(mac), len));
}

std::string g_scratch;

void check_view(const std::optional<std::string_view>& v, std::string_view input) {
  if (!v) {
    return;
  }
  const bool in_scratch =
      v->data() >= g_scratch.data() && v->data() + v->size() <= g_scratch.data() + g_scratch.size();
  const bool in_input =
      v->data() >= input.data() && v->data() + v->size() <= input.data() + input.size();
  if (!in_scratch && !in_input) {
    std::abort();
  }
}

std::optional<std::string> run(std::string_view auth, std::string_view claim,
                               const JwtVerifier* v) {
  const char* before = g_scratch.data();
  const bool grown = g_scratch.size() >= mcplb::http::kJwtScratchBytes;
  const auto r = mcplb::http::jwt_claim(auth, claim, v, kNow, g_scratch);
  check_view(r, auth);
  if (grown && g_scratch.data() != before) {
    std::abort();
  }
  return r ? std::optional<std::string>(*r) : std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  static constexpr std::string_view kClaims[] = {"sub", "exp", "n", "a"};
  const std::string_view claim = kClaims[size % 4];

  run(input, claim, nullptr);
  run(input, claim, &verifier());
  const std::string bearer = "Bearer " + input;
  run(bearer, claim, nullptr);
  run(bearer, claim, &verifier());

  // The input as a signed payload, then as a signed header.
  for (const std::string& token :
       {sign(R"({"alg":"HS256"})", input), sign(input, R"({"sub":"s","n":1,"a":"\u0061"})")}) {
    const std::string auth = "Bearer " + token;
    const auto verified = run(auth, claim, &verifier());
    const auto unverified = run(auth, claim, nullptr);
    if (verified && verified != unverified) {
      std::abort();
    }
  }
  return 0;
}
