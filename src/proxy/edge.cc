#include "proxy/edge.h"

#include <boost/beast/core/string.hpp>

namespace mcplb::proxy {

namespace {

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         boost::beast::iequals(s.substr(s.size() - suffix.size()), suffix);
}

/// "a.example:8080" -> {"a.example", "8080"}; "[::1]:80" -> {"[::1]", "80"}.
std::pair<std::string_view, std::string_view> split_port(std::string_view hostport) {
  size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos || hostport.back() == ']' ||
      (hostport.front() != '[' && hostport.find(':') != colon)) {
    return {hostport, {}};
  }
  return {hostport.substr(0, colon), hostport.substr(colon + 1)};
}

/// Lower-cases and drops a default port, as browsers serialize origins.
std::string normalize_origin(std::string_view origin) {
  std::string o(origin);
  for (char& c : o) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (o.rfind("https://", 0) == 0 && iends_with(o, ":443")) {
    o.resize(o.size() - 4);
  } else if (o.rfind("http://", 0) == 0 && iends_with(o, ":80")) {
    o.resize(o.size() - 3);
  }
  return o;
}

}  // namespace

bool host_allowed(const std::vector<std::string>& allowed, std::string_view host) {
  if (allowed.empty()) {
    return true;
  }
  auto [name, port] = split_port(host);
  for (const auto& entry : allowed) {
    auto [ename, eport] = split_port(entry);
    if (!eport.empty() && eport != port) {
      continue;
    }
    if (ename.substr(0, 2) == "*.") {
      // Subdomains only: "*.example.com" matches "a.example.com", not "example.com".
      if (name.size() > ename.size() - 1 && iends_with(name, ename.substr(1))) {
        return true;
      }
    } else if (boost::beast::iequals(ename, name)) {
      return true;
    }
  }
  return false;
}

bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin) {
  if (allowed.empty() || origin.empty()) {
    return true;
  }
  std::string o = normalize_origin(origin);
  for (const auto& entry : allowed) {
    if (entry == "*" || entry == o) {
      return true;
    }
  }
  return false;
}

void append_cors_headers(std::string& out, const config::Cors& cors, std::string_view origin,
                         bool preflight, std::string_view request_headers) {
  if (!cors.enabled || origin.empty() || !origin_allowed(cors.allow_origins, origin) ||
      cors.allow_origins.empty()) {
    return;
  }
  out.append("Access-Control-Allow-Origin: ").append(origin).append("\r\nVary: Origin\r\n");
  if (preflight) {
    out.append("Access-Control-Allow-Methods: GET, POST, DELETE, OPTIONS\r\n");
    out.append("Access-Control-Allow-Headers: ");
    if (!request_headers.empty()) {
      out.append(request_headers);
    } else {
      out.append(
          "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, "
          "Mcp-Method, Mcp-Name, Last-Event-ID");
    }
    out.append("\r\nAccess-Control-Max-Age: ")
        .append(std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(cors.max_age).count()))
        .append("\r\n");
  } else {
    // Browser clients must be able to read the session id and auth challenges.
    out.append(
        "Access-Control-Expose-Headers: Mcp-Session-Id, MCP-Protocol-Version, "
        "WWW-Authenticate\r\n");
  }
}

}  // namespace mcplb::proxy
