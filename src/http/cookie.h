#pragma once
// Cookies: reading one from the request's Cookie headers (hash keys, the sticky cookie) and
// writing the sticky cookie's Set-Cookie line. Thread-safe, no allocation (except growing the
// caller's std::string in append_set_cookie), no exceptions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/header_values.h"

namespace mcplb::http {

/// The value of the first cookie called `name` (case-sensitive, as in RFC 6265) across all
/// Cookie header values, in order. Pairs are split on ';'; spaces and tabs around names and
/// values are ignored; a value in double quotes is returned without them; a pair without '='
/// is skipped. The view points into the header value.
/// @return nullopt when absent (an empty value is present and returned as "").
std::optional<std::string_view> find_cookie(HeaderValues cookie_headers,
                                            std::string_view name) noexcept;

enum class SameSite : uint8_t { lax, strict, none };

/// "lax", "strict", "none" (ASCII case-insensitive, as written in the config).
std::optional<SameSite> parse_same_site(std::string_view text) noexcept;

/// One Set-Cookie line: "Set-Cookie: <name>=<value>; Max-Age=<n>; Path=<path>[; Secure]
/// [; HttpOnly]; SameSite=<Lax|Strict|None>\r\n".
struct SetCookie {
  std::string_view name;        // RFC 6265 token
  std::string_view value;       // cookie-octets (a sealed token is base64url: always fine)
  int64_t max_age_s = 3600;     // <= 0 writes Max-Age=0, which deletes the cookie
  std::string_view path = "/";  // empty: no Path attribute
  bool secure = false;
  bool http_only = true;
  SameSite same_site = SameSite::lax;  // None needs Secure in browsers (config checks it)
};

/// Whether every field can be written as-is: a name that is a token, a value of
/// cookie-octets (optionally in double quotes) and a path without ';' or control characters.
/// This is what keeps a header line from being split or extended by a value.
bool valid_set_cookie(const SetCookie& c) noexcept;

/// Exact length of the line write_set_cookie() writes, CRLF included.
size_t set_cookie_size(const SetCookie& c) noexcept;

/// Writes the line into `out`.
/// @return bytes written; 0 when `out` is too small or !valid_set_cookie(c).
size_t write_set_cookie(const SetCookie& c, std::span<char> out) noexcept;

/// Appends the line to `out` (growing it only when its capacity is short).
/// @return false, appending nothing, when !valid_set_cookie(c).
bool append_set_cookie(std::string& out, const SetCookie& c);

}  // namespace mcplb::http
