#include "http/cookie.h"

#include <charconv>
#include <cstring>

#include "http/ascii.h"

namespace mcplb::http {
namespace {

// RFC 6265 section 4.1.1 cookie-octet: visible ASCII except '"', ',', ';' and '\'.
constexpr bool is_cookie_octet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x2b) || (u >= 0x2d && u <= 0x3a) ||
         (u >= 0x3c && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
}

bool valid_cookie_value(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  for (char c : v) {
    if (!is_cookie_octet(c)) {
      return false;
    }
  }
  return true;
}

// path-value: any CHAR except CTLs or ';'.
bool valid_path(std::string_view p) {
  for (char c : p) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == ';') {
      return false;
    }
  }
  return true;
}

constexpr std::string_view kPrefix = "Set-Cookie: ";
constexpr std::string_view kMaxAge = "; Max-Age=";
constexpr std::string_view kPath = "; Path=";
constexpr std::string_view kSecure = "; Secure";
constexpr std::string_view kHttpOnly = "; HttpOnly";
constexpr std::string_view kSameSite = "; SameSite=";
constexpr std::string_view kCrlf = "\r\n";

std::string_view same_site_text(SameSite s) {
  switch (s) {
    case SameSite::strict:
      return "Strict";
    case SameSite::none:
      return "None";
    case SameSite::lax:
      break;
  }
  return "Lax";
}

// Max-Age digits: a negative age is written as 0 (RFC 6265 treats both as "expire now").
struct AgeText {
  char buf[20];
  size_t len;
  explicit AgeText(int64_t age) {
    const auto r = std::to_chars(buf, buf + sizeof buf, age > 0 ? age : 0);
    len = static_cast<size_t>(r.ptr - buf);
  }
  std::string_view view() const { return {buf, len}; }
};

size_t line_size(const SetCookie& c, const AgeText& age) {
  size_t n = kPrefix.size() + c.name.size() + 1 + c.value.size() + kMaxAge.size() + age.len;
  if (!c.path.empty()) {
    n += kPath.size() + c.path.size();
  }
  n += c.secure ? kSecure.size() : 0;
  n += c.http_only ? kHttpOnly.size() : 0;
  n += kSameSite.size() + same_site_text(c.same_site).size() + kCrlf.size();
  return n;
}

char* put(char* p, std::string_view s) {
  if (s.empty()) {
    return p;  // an empty view may have a null data(), which memcpy must not see
  }
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

void write_line(const SetCookie& c, const AgeText& age, char* p) {
  p = put(p, kPrefix);
  p = put(p, c.name);
  *p++ = '=';
  p = put(p, c.value);
  p = put(p, kMaxAge);
  p = put(p, age.view());
  if (!c.path.empty()) {
    p = put(p, kPath);
    p = put(p, c.path);
  }
  if (c.secure) {
    p = put(p, kSecure);
  }
  if (c.http_only) {
    p = put(p, kHttpOnly);
  }
  p = put(p, kSameSite);
  p = put(p, same_site_text(c.same_site));
  put(p, kCrlf);
}

}  // namespace

std::optional<std::string_view> find_cookie(HeaderValues cookie_headers,
                                            std::string_view name) noexcept {
  if (name.empty()) {
    return std::nullopt;
  }
  for (std::string_view header : cookie_headers) {
    size_t pos = 0;
    for (;;) {
      const size_t semi = header.find(';', pos);
      const std::string_view pair =
          header.substr(pos, semi == std::string_view::npos ? semi : semi - pos);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && ascii::trim_ows(pair.substr(0, eq)) == name) {
        std::string_view value = ascii::trim_ows(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        return value;
      }
      if (semi == std::string_view::npos) {
        break;
      }
      pos = semi + 1;
    }
  }
  return std::nullopt;
}

std::optional<SameSite> parse_same_site(std::string_view text) noexcept {
  if (ascii::iequals(text, "lax")) {
    return SameSite::lax;
  }
  if (ascii::iequals(text, "strict")) {
    return SameSite::strict;
  }
  if (ascii::iequals(text, "none")) {
    return SameSite::none;
  }
  return std::nullopt;
}

bool valid_set_cookie(const SetCookie& c) noexcept {
  return ascii::is_token(c.name) && valid_cookie_value(c.value) && valid_path(c.path);
}

size_t set_cookie_size(const SetCookie& c) noexcept { return line_size(c, AgeText(c.max_age_s)); }

size_t write_set_cookie(const SetCookie& c, std::span<char> out) noexcept {
  const AgeText age(c.max_age_s);
  const size_t n = line_size(c, age);
  if (n > out.size() || !valid_set_cookie(c)) {
    return 0;
  }
  write_line(c, age, out.data());
  return n;
}

bool append_set_cookie(std::string& out, const SetCookie& c) {
  if (!valid_set_cookie(c)) {
    return false;
  }
  const AgeText age(c.max_age_s);
  const size_t old = out.size();
  out.resize(old + line_size(c, age));
  write_line(c, age, out.data() + old);
  return true;
}

}  // namespace mcplb::http
