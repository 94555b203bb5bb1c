#include "mcp/json_text.h"

#include <cstdint>

namespace mcplb::mcp::json_text {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

size_t utf8_sequence(std::string_view s, size_t i) noexcept {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  const size_t left = s.size() - i;
  auto cont = [&](size_t k) { return k < left && (b(k) & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) {
    return cont(1) ? 2 : 0;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) {
      return 0;
    }
    if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) > 0x9f)) {
      return 0;
    }
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) {
      return 0;
    }
    if ((c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) > 0x8f)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

bool is_number(std::string_view s) noexcept {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') {
    ++i;
  }
  if (i >= s.size()) {
    return false;
  }
  if (s[i] == '0') {
    ++i;
  } else if (is_digit(s[i])) {
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
  } else {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !is_digit(s[i])) {
      return false;
    }
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    if (i >= s.size() || !is_digit(s[i])) {
      return false;
    }
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
  }
  return i == s.size();
}

bool is_string_token(std::string_view s) noexcept {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
    return false;
  }
  for (size_t i = 1; i + 1 < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c == '"' || c < 0x20) {
      return false;
    }
    if (c == '\\') {
      if (i + 2 >= s.size()) {
        return false;
      }
      const char e = s[i + 1];
      if (e == 'u') {
        if (i + 6 >= s.size()) {
          return false;
        }
        for (size_t k = 2; k < 6; ++k) {
          if (!is_hex(s[i + k])) {
            return false;
          }
        }
        i += 6;
      } else if (std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos) {
        i += 2;
      } else {
        return false;
      }
      continue;
    }
    if (c < 0x80) {
      ++i;
      continue;
    }
    const size_t n = utf8_sequence(s.substr(0, s.size() - 1), i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace mcplb::mcp::json_text
