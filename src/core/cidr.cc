#include "core/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace mcplb::core {
namespace {

std::optional<Ip16> parse_v4(std::string_view text) {
  char buf[INET_ADDRSTRLEN];
  if (text.size() >= sizeof buf) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr a{};
  if (inet_pton(AF_INET, buf, &a) != 1) {
    return std::nullopt;
  }
  Ip16 ip{};
  ip[10] = ip[11] = 0xff;
  std::memcpy(ip.data() + 12, &a, 4);
  return ip;
}

std::optional<Ip16> parse_v6(std::string_view text) {
  char buf[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof buf) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in6_addr a{};
  if (inet_pton(AF_INET6, buf, &a) != 1) {
    return std::nullopt;
  }
  Ip16 ip{};
  std::memcpy(ip.data(), &a, 16);
  return ip;
}

}  // namespace

std::optional<Ip16> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    return parse_v6(text.substr(1, text.size() - 2));
  }
  if (text.find(':') != std::string_view::npos) {
    return parse_v6(text);
  }
  return parse_v4(text);
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) {
    return std::nullopt;
  }
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  unsigned bits = v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || n > bits) {
      return std::nullopt;
    }
    bits = n;
  }
  Cidr c;
  c.addr = *ip;
  c.prefix = static_cast<uint8_t>(v4 ? bits + 96 : bits);
  // Host bits must be zero.
  for (unsigned i = c.prefix; i < 128; ++i) {
    if (c.addr[i / 8] & (0x80 >> (i % 8))) {
      return std::nullopt;
    }
  }
  return c;
}

bool contains(const Cidr& net, const Ip16& ip) {
  unsigned full = net.prefix / 8;
  if (std::memcmp(net.addr.data(), ip.data(), full) != 0) {
    return false;
  }
  unsigned rest = net.prefix % 8;
  if (rest == 0) {
    return true;
  }
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (net.addr[full] & mask) == (ip[full] & mask);
}

bool contains_any(std::span<const Cidr> nets, const Ip16& ip) {
  for (const auto& n : nets) {
    if (contains(n, ip)) {
      return true;
    }
  }
  return false;
}

}  // namespace mcplb::core
