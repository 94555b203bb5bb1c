#pragma once
// The syntaxes of the `mcp:` section and of route matches that come from HTTP: host patterns,
// origins, header names, methods. Internal to the config module; pure functions.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mcplb::config {

/// An `mcp.allowed_hosts` entry: a host name or IPv4 literal ("example.com", "localhost",
/// "127.0.0.1"), optionally with a leading "*." (subdomains), or a bracketed IPv6 literal
/// ("[::1]"); each optionally with ":port" (1..65535).
/// @return the entry in lower case, or nullopt.
std::optional<std::string> parse_host_pattern(std::string_view s);

/// An origin as a browser sends it: "*" or scheme://host[:port], scheme http or https, host a
/// name, IPv4 or bracketed IPv6 literal, no path, query or fragment.
/// @return lower case with the scheme's default port dropped (the form browsers send), or
///         nullopt and the reason in *why ("the scheme must be http or https", ...).
std::optional<std::string> parse_origin(std::string_view s, std::string_view* why);

/// An HTTP field name: one or more RFC 9110 tchar.
bool valid_header_name(std::string_view s);

/// A field value a parsed request can carry: no control characters other than HTAB, and no
/// leading or trailing whitespace (parsers strip it, so such a value could never match).
bool valid_header_value(std::string_view s);

/// The methods a route may match on: GET HEAD POST PUT DELETE OPTIONS PATCH.
std::span<const std::string_view> http_methods();

}  // namespace mcplb::config
