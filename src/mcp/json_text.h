#pragma once
// Small JSON text helpers shared by the inspector (ids it passes on, tokens it scans) and the
// error writer (ids and messages it writes), where a library parser would be either too lax or
// too heavy. Pure functions, thread-safe, no allocation.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mcplb::mcp::json_text {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid (overlong forms,
/// surrogates and code points above U+10FFFF are invalid, as in RFC 3629).
size_t utf8_sequence(std::string_view s, size_t i) noexcept;

/// The JSON number grammar (RFC 8259 section 6); no range limit.
bool is_number(std::string_view s) noexcept;

/// A JSON string token, quotes included: no raw control characters, valid escapes and UTF-8.
bool is_string_token(std::string_view s) noexcept;

/// Whether `s` holds a backslash. `s` always lies inside a simdjson-padded buffer, so reading
/// up to 7 bytes past its end is safe; those bytes are masked out. Eight bytes per step instead
/// of a per-byte loop (short keys and names dominate) or a memchr call.
[[gnu::always_inline]] inline bool has_backslash_padded(std::string_view s) noexcept {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  constexpr uint64_t kBackslashes = kOnes * static_cast<uint8_t>('\\');
  const char* p = s.data();
  size_t n = s.size();
  if (n > 64 || std::endian::native != std::endian::little) {
    return std::memchr(p, '\\', n) != nullptr;
  }
  for (;; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t x = w ^ kBackslashes;  // zero bytes where there is a backslash
    if (n < 8) {
      // Bytes past the end must not count: make them non-zero (little endian: the high bytes).
      x |= n == 0 ? ~0ULL : ~0ULL << (8 * n);
    }
    if (((x - kOnes) & ~x & kHighs) != 0) {
      return true;
    }
    if (n <= 8) {
      return false;
    }
  }
}

/// `t` without trailing JSON whitespace (simdjson raw tokens include it).
inline std::string_view trim_trailing_space(std::string_view t) noexcept {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' ||
                        t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return t;
}

}  // namespace mcplb::mcp::json_text
