#pragma once
// Token minting for the http tests: real signatures made with OpenSSL.

#include <openssl/evp.h>

#include <functional>
#include <string>
#include <string_view>

#include "mcp/base64.h"

namespace mcplb::http::test {

inline std::string b64url(std::string_view bytes) {
  std::string out(mcp::base64::url_encoded_size(bytes.size()), '\0');
  mcp::base64::url_encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      out.data());
  return out;
}

/// HMAC over `input` with digest "SHA256", "SHA384" or "SHA512".
inline std::string hmac(const char* digest, std::string_view secret, std::string_view input) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, sizeof out,
                &len) == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

/// "<b64 header>.<b64 payload>.<b64 sign(signing input)>".
inline std::string make_token(std::string_view header_json, std::string_view payload_json,
                              const std::function<std::string(std::string_view)>& sign) {
  std::string input = b64url(header_json) + "." + b64url(payload_json);
  return input + "." + b64url(sign(input));
}

inline std::string hs256_token(std::string_view secret, std::string_view payload_json,
                               std::string_view header_json = R"({"alg":"HS256","typ":"JWT"})") {
  return make_token(header_json, payload_json,
                    [&](std::string_view input) { return hmac("SHA256", secret, input); });
}

}  // namespace mcplb::http::test
