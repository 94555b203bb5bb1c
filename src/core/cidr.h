#pragma once
// IP prefixes for trust decisions (forwarding.trusted_proxies). Addresses are kept as 16
// bytes: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one comparison serves both families
// and a v4 client seen on a dual-stack socket matches a v4 prefix.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace mcplb::core {

using Ip16 = std::array<uint8_t, 16>;

struct Cidr {
  Ip16 addr{};         // network address, host bits zero
  uint8_t prefix = 0;  // 0..128 over the 16-byte form (a v4 /24 is stored as /120)
};

/// Parses "10.0.0.0/8", "192.168.1.7" (= /32), "fd00::/8", "::1" (= /128). Host bits set
/// below the prefix ("10.1.2.3/8") are rejected so a typo cannot silently widen the trust.
std::optional<Cidr> parse_cidr(std::string_view text);

/// Parses a numeric IPv4 or IPv6 address (IPv6 optionally in brackets, no port, no zone).
std::optional<Ip16> parse_ip(std::string_view text);

bool contains(const Cidr& net, const Ip16& ip);
bool contains_any(std::span<const Cidr> nets, const Ip16& ip);

}  // namespace mcplb::core
