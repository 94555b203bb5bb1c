#pragma once
// Checks at the edge that the MCP specification asks of servers and that a proxy in front of
// them must therefore make: Host (DNS rebinding) and Origin allow-lists, and CORS for
// browser clients. Pure functions over the request's header values.

#include <string>
#include <string_view>
#include <vector>

#include "config/model.h"

namespace mcplb::proxy {

/// `allowed` entries: "example.com" (any port), "example.com:8443", "*.example.com"
/// (subdomains only). Empty list = any Host.
bool host_allowed(const std::vector<std::string>& allowed, std::string_view host);

/// `allowed` entries: "*" or lower-case scheme://host[:port] without default ports.
/// Empty list = any Origin. A request without Origin (not a browser) is always allowed.
bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin);

/// The CORS response headers for an allowed `origin` (empty when CORS is off or the origin is
/// not allowed). `preflight` adds the Allow-Methods/-Headers/Max-Age lines.
void append_cors_headers(std::string& out, const config::Cors& cors, std::string_view origin,
                         bool preflight, std::string_view request_headers);

}  // namespace mcplb::proxy
