#pragma once
// The client address of a request when mcplb stands behind other proxies (ip_hash, logs,
// rate-limit keys). Pure functions: thread-safe, no allocation, no exceptions.
//
// Rules of client_ip():
//  1. A peer outside `trusted` is its own client: its forwarding headers are ignored, so a
//     client cannot choose its address by sending X-Forwarded-For.
//  2. A trusted peer's chain comes from `Forwarded` (RFC 7239) when that header has any
//     non-blank value, else from `X-Forwarded-For`. All lines of the chosen header form one
//     list, first line first.
//  3. The list is walked right to left (nearest hop first). Addresses in `trusted` are our
//     own proxies and are skipped; the first address that is not trusted is the client.
//  4. An element that is not an address ("unknown", an RFC 7239 obfuscated identifier
//     "_hidden", a Forwarded element without for=, garbage) stops the walk: the result is the
//     last trusted hop seen (or the peer, if the element is the right-most). Anything to the
//     left of such an element may have been written by the client, so it is never used.
//  5. If every element is a trusted address, the left-most one is the client.
//  6. Without any element the peer is the client.
//
// Accepted element forms: "192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]",
// "[2001:db8::1]:4711", "2001:db8::1" (bare IPv6, without port). Forwarded adds quoted
// values (for="[2001:db8::1]:4711"), case-insensitive parameter names, obfuscated ports
// ("[2001:db8::1]:_p1") and other parameters (by=, proto=, host=), which are ignored.
// Empty list elements ("a,,b", a trailing comma) are skipped (RFC 9110 section 5.6.1).
//
// Caveat for operators: when the trusted proxies write only X-Forwarded-For but pass a
// client's own `Forwarded` header through, rule 2 reads the client's header. Trusted proxies
// must either write Forwarded or remove it from requests.

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "core/cidr.h"
#include "http/header_values.h"

namespace mcplb::http {

/// @param peer       the TCP peer address (IPv4 as IPv4-mapped IPv6, as core::parse_ip gives).
/// @param trusted    forwarding.trusted_proxies, parsed.
/// @param xff        every X-Forwarded-For value of the request, in order.
/// @param forwarded  every Forwarded value of the request, in order.
/// @return the client address by the rules above.
core::Ip16 client_ip(const core::Ip16& peer, std::span<const core::Cidr> trusted, HeaderValues xff,
                     HeaderValues forwarded) noexcept;

/// Room for the longest address format_ip() writes (INET6_ADDRSTRLEN, NUL included).
inline constexpr size_t kIpTextBytes = 46;
using IpText = std::array<char, kIpTextBytes>;

/// Formats `ip` for logs and headers: IPv4-mapped addresses as dotted IPv4 ("192.0.2.1"),
/// others as RFC 5952 IPv6 ("2001:db8::1", no brackets).
/// @return a view into `buf` (NUL-terminated as well).
std::string_view format_ip(const core::Ip16& ip, IpText& buf) noexcept;

}  // namespace mcplb::http
