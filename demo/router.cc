#include "router.h"

#include <boost/beast/http/verb.hpp>

#include "catalog.h"
#include "connection.h"
#include "server.h"

namespace mcplb::demo {
namespace http = boost::beast::http;

namespace {

/// DNS-rebinding guard required by the MCP transports: a browser Origin must be local.
bool origin_allowed(Connection& c) {
  const std::string_view origin = c.header("Origin");
  if (origin.empty() || c.server().options().any_origin) {
    return true;
  }
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) {
    return false;
  }
  std::string_view host = origin.substr(scheme_end + 3);
  if (host.starts_with("[::1]")) {
    return host.size() == 5 || host[5] == ':';
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host == "127.0.0.1";
}

void method_not_allowed(Connection& c, std::string_view allow) {
  static constexpr std::string_view kBody =
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Method Not Allowed"}})";
  if (allow == "GET") {
    c.prepare(405, "application/json", kBody, "Allow: GET\r\n");
  } else if (allow == "POST") {
    c.prepare(405, "application/json", kBody, "Allow: POST\r\n");
  } else {
    c.prepare(405, "application/json", kBody, "Allow: GET, POST, DELETE\r\n");
  }
}

/// 2026-07-28 requests are served without a session; an unknown version also goes there to
/// get the UnsupportedProtocolVersion error that lists the versions we speak.
bool is_stateless(Connection& c) {
  const std::string_view version = c.header("MCP-Protocol-Version");
  return version == kStatelessVersion || c.server().options().stateless_only ||
         (!version.empty() && !is_session_version(version));
}

bool mcp_now(Connection& c) {
  const http::verb verb = c.request().method();
  const bool stateless = is_stateless(c);
  switch (verb) {
    case http::verb::post: return stateless ? serve_stateless_now(c) : serve_session_now(c);
    case http::verb::get:
      if (stateless) {
        method_not_allowed(c, "POST");  // 2026-07-28 has no GET stream
        return true;
      }
      return false;
    case http::verb::delete_:
      if (stateless) {
        method_not_allowed(c, "POST");  // ... and no session to delete
      } else {
        serve_session_delete(c);
      }
      return true;
    default:
      method_not_allowed(c, c.server().options().stateless_only ? "POST" : "GET, POST, DELETE");
      return true;
  }
}

/// Describes the request as received (for the proxy's end-to-end tests).
void debug_echo(Connection& c) {
  const auto& req = c.request();
  Out& out = c.out();
  append(out, R"({"method":)");
  append_json_string(out, req.method_string());
  append(out, R"(,"target":)");
  append_json_string(out, req.target());
  fmt::format_to(std::back_inserter(out), R"(,"version":"{}.{}","headers":[)", req.version() / 10,
                 req.version() % 10);
  bool first = true;
  for (const auto& field : req) {
    append(out, first ? "[" : ",[");
    first = false;
    append_json_string(out, field.name_string());
    out.push_back(',');
    append_json_string(out, field.value());
    out.push_back(']');
  }
  fmt::format_to(std::back_inserter(out), R"(],"body_length":{},"backend":)", req.body().size());
  append_json_string(out, c.server().name());
  out.push_back('}');
  c.prepare_json(200);
}

std::string_view path_of(Connection& c) {
  const std::string_view target = c.request().target();
  return target.substr(0, target.find('?'));
}

}  // namespace

bool route_now(Connection& c) {
  const std::string_view path = path_of(c);
  const http::verb verb = c.request().method();

  if (path == "/mcp" || path == "/sse" || path == "/message") {
    if (!origin_allowed(c)) {
      c.prepare_error(403, {}, kServerError, "Forbidden: Origin not allowed");
      return true;
    }
    if (path == "/mcp") {
      return mcp_now(c);
    }
    if (c.server().options().stateless_only) {
      c.prepare_error(404, {}, kServerError, "Not Found (--stateless-only)");
    } else if (path == "/sse") {
      if (verb == http::verb::get) {
        return false;
      }
      method_not_allowed(c, "GET");
    } else if (verb == http::verb::post) {
      serve_sse_message(c);
    } else {
      method_not_allowed(c, "POST");
    }
    return true;
  }
  if (path == "/healthz") {
    c.prepare(200, "text/plain", "ok");
  } else if (path == "/ui/widget.html") {
    if (verb != http::verb::get && verb != http::verb::head) {
      method_not_allowed(c, "GET");
    } else {
      c.prepare(200, kWidgetMime, widget_html(), "Cache-Control: public, max-age=3600\r\n");
    }
  } else if (path == "/debug/echo") {
    debug_echo(c);
  } else {
    Out text;
    append(text, "Not Found: ");
    append(text, path);
    c.prepare_error(404, {}, kServerError, view(text));
  }
  return true;
}

Task<void> route(Connection& c) {
  // Only what route_now() declined arrives here.
  // (No `co_await (cond ? a() : b())` anywhere: GCC 12 destroys that temporary twice.)
  const std::string_view path = path_of(c);
  const http::verb verb = c.request().method();
  if (path == "/sse") {
    co_await serve_sse_get(c);
  } else if (verb == http::verb::get) {
    co_await serve_session_get(c);
  } else if (is_stateless(c)) {
    co_await serve_stateless_post(c);
  } else {
    co_await serve_session_post(c);
  }
}

}  // namespace mcplb::demo
