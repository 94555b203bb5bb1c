#pragma once
// Base64 helpers used by the MCP module: URL-safe unpadded base64 for session tokens (a token
// must be a valid header value AND a valid query parameter value without escaping), and the
// standard padded alphabet for the `=?base64?...?=` sentinel of 2026-07-28 request headers.
// Thread-safe, allocation-free: every function writes into caller-provided memory.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mcplb::mcp::base64 {

/// Characters needed to encode n bytes as unpadded base64url.
constexpr size_t url_encoded_size(size_t n) { return (n * 4 + 2) / 3; }

/// Upper bound of the bytes decoded from n base64url characters.
constexpr size_t url_decoded_size(size_t n) { return n * 3 / 4; }

/// Encodes `in` as unpadded base64url into `out` (must hold url_encoded_size(in.size()) chars).
/// @return the number of characters written.
size_t url_encode(std::span<const uint8_t> in, char* out) noexcept;

/// Strict, canonical decoding of unpadded base64url: rejects '=' padding, characters outside
/// [A-Za-z0-9_-], a length of 1 mod 4 and non-zero unused trailing bits, so every byte string
/// has exactly one accepted encoding (a flipped character can never decode to the same bytes).
/// @param out must hold url_decoded_size(in.size()) bytes.
/// @return the number of bytes written, or nullopt if `in` is not canonical base64url.
std::optional<size_t> url_decode(std::string_view in, uint8_t* out) noexcept;

/// Decodes padded standard base64 (RFC 4648 section 4, length a multiple of 4, as required
/// by the MCP value encoding) and calls `sink(byte)` for each decoded byte, so a decoded
/// header value can be compared against a body value without a buffer.
/// @return false if `in` is not padded standard base64.
template <typename Sink>
bool std_decode_each(std::string_view in, Sink&& sink) noexcept;

/// Value of one standard-alphabet character, or -1.
int std_value(char c) noexcept;

template <typename Sink>
bool std_decode_each(std::string_view in, Sink&& sink) noexcept {
  if (in.size() % 4 != 0) {
    return false;
  }
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + j];
      if (c == '=' && last && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) {
        return false;  // data after padding
      }
      v[j] = std_value(c);
      if (v[j] < 0) {
        return false;
      }
    }
    const uint32_t triple = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) |
                            (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    sink(uint8_t(triple >> 16));
    if (pad < 2) {
      sink(uint8_t(triple >> 8));
    }
    if (pad < 1) {
      sink(uint8_t(triple));
    }
  }
  return true;
}

}  // namespace mcplb::mcp::base64
