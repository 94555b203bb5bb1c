// Session key files: 32 raw bytes, 64 hex digits or base64 (README.md, "Key files").
// Runs at config load only.
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "mcp/base64.h"
#include "mcp/session_token.h"

namespace mcplb::mcp {
namespace {

using Secret = std::array<uint8_t, kSessionKeyBytes>;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::optional<Secret> from_hex(std::string_view s) {
  if (s.size() != 2 * kSessionKeyBytes) {
    return std::nullopt;
  }
  Secret out{};
  for (size_t i = 0; i < kSessionKeyBytes; ++i) {
    const int hi = hex_value(s[2 * i]);
    const int lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::optional<Secret> from_base64(std::string_view s) {
  while (!s.empty() && s.back() == '=') {
    s.remove_suffix(1);
  }
  constexpr size_t kChars = base64::url_encoded_size(kSessionKeyBytes);  // 43
  if (s.size() != kChars) {
    return std::nullopt;
  }
  char url[kChars];
  for (size_t i = 0; i < kChars; ++i) {
    url[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
  }
  uint8_t bytes[base64::url_decoded_size(kChars) + 3];
  const auto n = base64::url_decode({url, kChars}, bytes);
  if (!n || *n != kSessionKeyBytes) {
    return std::nullopt;
  }
  Secret out{};
  std::copy(bytes, bytes + kSessionKeyBytes, out.begin());
  OPENSSL_cleanse(bytes, sizeof bytes);
  return out;
}

}  // namespace

std::optional<Secret> parse_session_secret(std::string_view contents, std::string* error) {
  auto fail = [&](const char* msg) -> std::optional<Secret> {
    if (error != nullptr) {
      *error = msg;
    }
    return std::nullopt;
  };
  std::optional<Secret> out;
  if (contents.size() == kSessionKeyBytes) {
    out.emplace();
    std::copy(contents.begin(), contents.end(), out->begin());
  } else {
    const std::string_view text = trim(contents);
    out = from_hex(text);
    if (!out) {
      out = from_base64(text);
    }
  }
  if (!out) {
    return fail("session key must be 32 raw bytes, 64 hex digits or base64 of 32 bytes");
  }
  if (std::all_of(out->begin(), out->end(), [](uint8_t b) { return b == 0; })) {
    return fail("session key is all zero bytes");
  }
  return out;
}

std::optional<Secret> load_session_secret(const std::string& path, std::string* error) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    if (error != nullptr) {
      *error = "cannot open session key file '" + path + "'";
    }
    return std::nullopt;
  }
  char buf[4096];
  const size_t n = std::fread(buf, 1, sizeof buf, f.get());
  const bool too_big = n == sizeof buf;
  std::optional<Secret> out;
  if (too_big) {
    if (error != nullptr) {
      *error = "session key file '" + path + "' is larger than 4 KiB";
    }
  } else {
    out = parse_session_secret({buf, n}, error);
    if (!out && error != nullptr) {
      *error = "session key file '" + path + "': " + *error;
    }
  }
  OPENSSL_cleanse(buf, sizeof buf);
  return out;
}

}  // namespace mcplb::mcp
