#include "http/client_ip.h"

#include <arpa/inet.h>

#include <cstring>
#include <optional>

#include "http/ascii.h"

namespace mcplb::http {
namespace {

using core::Ip16;

// Port after an address: 1-5 digits up to 65535, or (Forwarded only) an obfuscated port
// "_" 1*(ALPHA / DIGIT / "." / "_" / "-") (RFC 7239 section 6.3).
bool valid_port(std::string_view p, bool allow_obfuscated) {
  if (p.empty()) {
    return false;
  }
  if (p[0] == '_') {
    if (!allow_obfuscated || p.size() < 2) {
      return false;
    }
    for (char c : p.substr(1)) {
      const bool ok = ascii::is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
  if (p.size() > 5) {
    return false;
  }
  unsigned v = 0;
  for (char c : p) {
    if (!ascii::is_digit(c)) {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v <= 65535;
}

// One hop: "a.b.c.d", "a.b.c.d:port", "[v6]", "[v6]:port" or a bare "v6" (no port).
// Anything else, "unknown" and obfuscated identifiers included, is not an address.
std::optional<Ip16> parse_node(std::string_view s, bool allow_obfuscated_port) {
  if (s.empty()) {
    return std::nullopt;
  }
  if (s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view addr = s.substr(1, close - 1);
    const std::string_view rest = s.substr(close + 1);
    if (!rest.empty() &&
        (rest.front() != ':' || !valid_port(rest.substr(1), allow_obfuscated_port))) {
      return std::nullopt;
    }
    if (addr.find(':') == std::string_view::npos) {
      return std::nullopt;  // brackets hold IPv6 only
    }
    return core::parse_ip(addr);
  }
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) {
    return core::parse_ip(s);
  }
  if (s.find(':', colon + 1) == std::string_view::npos) {
    if (!valid_port(s.substr(colon + 1), allow_obfuscated_port)) {
      return std::nullopt;
    }
    return core::parse_ip(s.substr(0, colon));
  }
  return core::parse_ip(s);  // bare IPv6
}

// The right-to-left walk of rules 3-5 (client_ip.h), computed in one left-to-right pass so a
// header list spread over several lines needs no buffer: only the right-most "stopper" (an
// untrusted address or a non-address) and the first hop to its right matter.
class Walk {
 public:
  explicit Walk(std::span<const core::Cidr> trusted) : trusted_(trusted) {}

  void add(const std::optional<Ip16>& hop) {
    const bool trusted = hop && core::contains_any(trusted_, *hop);
    if (!any_) {
      any_ = true;
      leftmost_ = hop.value_or(Ip16{});
    }
    if (!trusted) {
      have_stop_ = true;
      stop_is_client_ = hop.has_value();
      stop_ = hop.value_or(Ip16{});
      have_after_stop_ = false;
    } else if (have_stop_ && !have_after_stop_) {
      have_after_stop_ = true;
      after_stop_ = *hop;
    }
  }

  Ip16 result(const Ip16& peer) const {
    if (!any_) {
      return peer;
    }
    if (!have_stop_) {
      return leftmost_;  // every hop is trusted
    }
    if (stop_is_client_) {
      return stop_;
    }
    return have_after_stop_ ? after_stop_ : peer;
  }

 private:
  std::span<const core::Cidr> trusted_;
  bool any_ = false;
  Ip16 leftmost_{};
  bool have_stop_ = false;
  bool stop_is_client_ = false;  // the stopper is an untrusted address, not garbage
  Ip16 stop_{};
  bool have_after_stop_ = false;
  Ip16 after_stop_{};
};

void walk_xff(std::string_view line, Walk& w) {
  size_t pos = 0;
  for (;;) {
    const size_t comma = line.find(',', pos);
    const std::string_view el =
        ascii::trim_ows(line.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
    if (!el.empty()) {
      w.add(parse_node(el, false));
    }
    if (comma == std::string_view::npos) {
      return;
    }
    pos = comma + 1;
  }
}

// Advances `i` to the next ',' that is outside a quoted string (or to the end).
void skip_element(std::string_view s, size_t& i) {
  while (i < s.size() && s[i] != ',') {
    if (s[i] == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') {
          ++i;
        }
      }
      if (i >= s.size()) {
        i = s.size();
        return;
      }
    }
    ++i;
  }
}

void skip_ows(std::string_view s, size_t& i) {
  while (i < s.size() && ascii::is_ows(s[i])) {
    ++i;
  }
}

// One Forwarded element: *( pair / ";" ) up to an unquoted ',' or the end. Returns its for=
// node (nullopt when the element is malformed or has no usable for=); `any` is false for an
// empty element.
std::optional<Ip16> forwarded_element(std::string_view s, size_t& i, bool& any) {
  const size_t n = s.size();
  bool bad = false;
  bool have_for = false;
  std::string_view node;
  any = false;
  for (;;) {
    skip_ows(s, i);
    if (i >= n || s[i] == ',') {
      break;
    }
    any = true;
    if (s[i] == ';') {
      ++i;
      continue;
    }
    const size_t name_start = i;
    while (i < n && ascii::is_tchar(s[i])) {
      ++i;
    }
    const std::string_view name = s.substr(name_start, i - name_start);
    if (name.empty() || i >= n || s[i] != '=') {
      skip_element(s, i);
      return std::nullopt;
    }
    ++i;
    std::string_view value;
    if (i < n && s[i] == '"') {
      const size_t start = ++i;
      bool escaped = false;
      while (i < n && s[i] != '"') {
        if (s[i] == '\\') {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (i >= n) {
        i = n;  // unterminated: the rest of the line is this element
        return std::nullopt;
      }
      value = s.substr(start, i - start);
      ++i;
      bad = bad || escaped;  // no address needs a quoted-pair
    } else {
      const size_t start = i;
      while (i < n && s[i] != ';' && s[i] != ',' && s[i] != '"' && !ascii::is_ows(s[i])) {
        ++i;
      }
      value = s.substr(start, i - start);
      bad = bad || value.empty();
    }
    if (ascii::iequals(name, "for")) {
      bad = bad || have_for;  // at most once per element (RFC 7239 section 4)
      have_for = true;
      node = value;
    }
    skip_ows(s, i);
    if (i < n && s[i] != ';' && s[i] != ',') {
      skip_element(s, i);
      return std::nullopt;
    }
  }
  if (bad || !have_for) {
    return std::nullopt;
  }
  return parse_node(node, true);
}

void walk_forwarded(std::string_view line, Walk& w) {
  size_t i = 0;
  for (;;) {
    bool any = false;
    const std::optional<Ip16> hop = forwarded_element(line, i, any);
    if (any) {
      w.add(hop);
    }
    if (i >= line.size()) {
      return;
    }
    ++i;  // the ','
  }
}

bool any_nonblank(HeaderValues values) {
  for (std::string_view v : values) {
    if (!ascii::trim_ows(v).empty()) {
      return true;
    }
  }
  return false;
}

}  // namespace

core::Ip16 client_ip(const core::Ip16& peer, std::span<const core::Cidr> trusted, HeaderValues xff,
                     HeaderValues forwarded) noexcept {
  if (!core::contains_any(trusted, peer)) {
    return peer;
  }
  Walk w(trusted);
  if (any_nonblank(forwarded)) {
    for (std::string_view line : forwarded) {
      walk_forwarded(line, w);
    }
  } else {
    for (std::string_view line : xff) {
      walk_xff(line, w);
    }
  }
  return w.result(peer);
}

std::string_view format_ip(const core::Ip16& ip, IpText& buf) noexcept {
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const bool v4 = std::memcmp(ip.data(), kMappedPrefix, sizeof kMappedPrefix) == 0;
  const char* s = v4 ? inet_ntop(AF_INET, ip.data() + 12, buf.data(), buf.size())
                     : inet_ntop(AF_INET6, ip.data(), buf.data(), buf.size());
  if (s == nullptr) {
    buf[0] = '\0';
    return {};
  }
  return std::string_view(buf.data());
}

}  // namespace mcplb::http
