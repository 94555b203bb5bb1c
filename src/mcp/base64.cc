#include "mcp/base64.h"

#include <array>

namespace mcplb::mcp::base64 {
namespace {

constexpr char kUrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> make_table(const char* alphabet) {
  std::array<int8_t, 256> t{};
  for (auto& v : t) {
    v = -1;
  }
  for (int i = 0; i < 64; ++i) {
    t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  }
  return t;
}

constexpr auto kUrlTable = make_table(kUrlAlphabet);
constexpr auto kStdTable =
    make_table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

}  // namespace

size_t url_encode(std::span<const uint8_t> in, char* out) noexcept {
  char* o = out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | in[i + 2];
    *o++ = kUrlAlphabet[(v >> 18) & 63];
    *o++ = kUrlAlphabet[(v >> 12) & 63];
    *o++ = kUrlAlphabet[(v >> 6) & 63];
    *o++ = kUrlAlphabet[v & 63];
  }
  const size_t rest = in.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t(in[i]) << 16;
    *o++ = kUrlAlphabet[(v >> 18) & 63];
    *o++ = kUrlAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const uint32_t v = (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8);
    *o++ = kUrlAlphabet[(v >> 18) & 63];
    *o++ = kUrlAlphabet[(v >> 12) & 63];
    *o++ = kUrlAlphabet[(v >> 6) & 63];
  }
  return static_cast<size_t>(o - out);
}

std::optional<size_t> url_decode(std::string_view in, uint8_t* out) noexcept {
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  uint8_t* o = out;
  size_t i = 0;
  for (; i + 4 <= in.size(); i += 4) {
    const int a = kUrlTable[uint8_t(in[i])];
    const int b = kUrlTable[uint8_t(in[i + 1])];
    const int c = kUrlTable[uint8_t(in[i + 2])];
    const int d = kUrlTable[uint8_t(in[i + 3])];
    if ((a | b | c | d) < 0) {
      return std::nullopt;
    }
    const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | d;
    *o++ = uint8_t(v >> 16);
    *o++ = uint8_t(v >> 8);
    *o++ = uint8_t(v);
  }
  const size_t rest = in.size() - i;
  if (rest == 2) {
    const int a = kUrlTable[uint8_t(in[i])];
    const int b = kUrlTable[uint8_t(in[i + 1])];
    // Canonical form: the 4 bits of b that do not reach the output must be zero.
    if ((a | b) < 0 || (b & 0x0f) != 0) {
      return std::nullopt;
    }
    *o++ = uint8_t((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const int a = kUrlTable[uint8_t(in[i])];
    const int b = kUrlTable[uint8_t(in[i + 1])];
    const int c = kUrlTable[uint8_t(in[i + 2])];
    if ((a | b | c) < 0 || (c & 0x03) != 0) {
      return std::nullopt;
    }
    const uint32_t v = (uint32_t(a) << 12) | (uint32_t(b) << 6) | uint32_t(c);
    *o++ = uint8_t(v >> 10);
    *o++ = uint8_t(v >> 2);
  }
  return static_cast<size_t>(o - out);
}

int std_value(char c) noexcept { return kStdTable[uint8_t(c)]; }

}  // namespace mcplb::mcp::base64
