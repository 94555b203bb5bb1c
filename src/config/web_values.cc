#include "config/web_values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

namespace mcplb::config {
namespace {

constexpr size_t kMaxHostChars = 253;  // DNS limit for a name in text form

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Dot-separated labels of letters, digits, '-' and '_' (service names in the wild use '_').
bool valid_host_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxHostChars) {
    return false;
  }
  size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) {
        return false;
      }
      label = 0;
    } else if (is_alnum(c) || c == '-' || c == '_') {
      if (++label > 63) {
        return false;
      }
    } else {
      return false;
    }
  }
  return label > 0;
}

bool valid_ipv6_literal(std::string_view bracketed) {
  if (bracketed.size() < 3 || bracketed.front() != '[' || bracketed.back() != ']' ||
      bracketed.size() - 2 >= INET6_ADDRSTRLEN) {
    return false;
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  bracketed.substr(1, bracketed.size() - 2).copy(text.data(), bracketed.size() - 2);
  std::array<unsigned char, 16> bin{};
  return inet_pton(AF_INET6, text.data(), bin.data()) == 1;
}

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) {
        return c >= '0' && c <= '9';
      })) {
    return std::nullopt;
  }
  unsigned v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  if (v == 0 || v > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(v);
}

// "host" or "host:port" -> host and port text (port empty when absent). IPv6 in brackets.
bool split_host_port(std::string_view s, std::string_view& host, std::string_view& port) {
  if (s.starts_with('[')) {
    size_t close = s.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = s.substr(0, close + 1);
    std::string_view after = s.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return false;
    }
    port = after.empty() ? after : after.substr(1);
    return after.empty() || !port.empty();
  }
  size_t colon = s.find(':');
  host = s.substr(0, colon);
  port = colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
  return colon == std::string_view::npos || !port.empty();
}

}  // namespace

std::optional<std::string> parse_host_pattern(std::string_view s) {
  std::string_view host;
  std::string_view port_text;
  if (!split_host_port(s, host, port_text)) {
    return std::nullopt;
  }
  std::optional<uint16_t> port;
  if (!port_text.empty()) {
    port = parse_port(port_text);
    if (!port) {
      return std::nullopt;
    }
  }
  bool ok = false;
  if (host.starts_with('[')) {
    ok = valid_ipv6_literal(host);
  } else if (host.starts_with("*.")) {
    ok = valid_host_name(host.substr(2));
  } else {
    ok = valid_host_name(host);
  }
  if (!ok) {
    return std::nullopt;
  }
  std::string out = to_lower(host);
  if (port) {
    out += ':' + std::to_string(*port);  // "8443", also for "08443"
  }
  return out;
}

std::optional<std::string> parse_origin(std::string_view s, std::string_view* why) {
  auto fail = [&](std::string_view reason) -> std::optional<std::string> {
    if (why != nullptr) {
      *why = reason;
    }
    return std::nullopt;
  };
  if (s == "*") {
    return std::string(s);
  }
  size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return fail("expected '*' or scheme://host[:port]");
  }
  std::string scheme = to_lower(s.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    return fail("the scheme must be http or https");
  }
  std::string_view authority = s.substr(sep + 3);
  size_t end = authority.find_first_of("/?#");
  if (end != std::string_view::npos) {
    return fail("an origin has no path, query or fragment");
  }
  std::string_view host;
  std::string_view port;
  if (!split_host_port(authority, host, port)) {
    return fail("invalid host or port");
  }
  bool host_ok = host.starts_with('[') ? valid_ipv6_literal(host) : valid_host_name(host);
  if (!host_ok) {
    return fail("invalid host");
  }
  std::optional<uint16_t> p;
  if (!port.empty()) {
    p = parse_port(port);
    if (!p) {
      return fail("invalid port");
    }
  }
  std::string out = scheme + "://" + to_lower(host);
  uint16_t default_port = scheme == "https" ? 443 : 80;
  if (p && *p != default_port) {
    out += ':' + std::to_string(*p);
  }
  return out;
}

bool valid_header_name(std::string_view s) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return is_alnum(c) || kSymbols.find(c) != std::string_view::npos;
  });
}

bool valid_header_value(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t'; };
  if (!s.empty() && (ws(s.front()) || ws(s.back()))) {
    return false;
  }
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

std::span<const std::string_view> http_methods() {
  static constexpr std::array<std::string_view, 7> kMethods{"GET",     "HEAD",    "POST", "PUT",
                                                            "DELETE",  "OPTIONS", "PATCH"};
  return kMethods;
}

}  // namespace mcplb::config
