// Streamable HTTP, stateless revision (2026-07-28): no initialize, no session; every POST
// carries MCP-Protocol-Version, Mcp-Method and (for tools/call, resources/read,
// prompts/get) Mcp-Name, which must mirror the body.

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "catalog.h"
#include "connection.h"
#include "methods.h"
#include "router.h"
#include "server.h"
#include "session_store.h"
#include "sse_notifier.h"

namespace mcplb::demo {
namespace {

using namespace asio::experimental::awaitable_operators;

/// Checks the mirrored headers against the body (HeaderMismatch rules).
/// @return an error message, or empty if the request is consistent.
std::string header_problem(Connection& c, const Message& msg, std::string_view version) {
  const std::string_view method_header = c.header("Mcp-Method");
  if (method_header.empty() && msg.kind == Kind::notification) {
    return {};  // 2026-07-28 defines no header rules for notification POSTs
  }
  if (method_header.empty()) {
    return "Header mismatch: Mcp-Method header is required";
  }
  if (method_header != msg.method) {
    return fmt::format(
        "Header mismatch: Mcp-Method header value '{}' does not match body "
        "value '{}'",
        method_header, msg.method);
  }
  const bool by_name = msg.method == "tools/call" || msg.method == "prompts/get";
  if (by_name || msg.method == "resources/read") {
    const std::optional<std::string_view>& body_value = by_name ? msg.name : msg.uri;
    const std::string_view raw = c.header("Mcp-Name");
    if (raw.empty()) {
      return "Header mismatch: Mcp-Name header is required";
    }
    const std::optional<std::string> decoded = decode_mcp_header_value(raw);
    if (!decoded) {
      return "Header mismatch: Mcp-Name header has invalid Base64";
    }
    if (!body_value || *decoded != *body_value) {
      return fmt::format(
          "Header mismatch: Mcp-Name header value '{}' does not match body "
          "value '{}'",
          *decoded, body_value.value_or(""));
    }
  }
  if (msg.meta_protocol && *msg.meta_protocol != version) {
    return fmt::format(
        "Header mismatch: MCP-Protocol-Version header value '{}' does not match "
        "_meta value '{}'",
        version, *msg.meta_protocol);
  }
  return {};
}

Task<void> produce(const Message& msg, Exchange& ex, Sink& sink, SinkNotifier& notifier) {
  Out result;
  if (co_await answer_async(msg, ex, result)) {
    notifier.send(view(result));
  }
  sink.end();
}

Task<void> pump_only(Connection& c, Sink& sink) { co_await c.pump(sink); }

/// Answers as an SSE stream: notifications, then the response. Closing the stream cancels
/// the request (2026-07-28 cancellation rule).
Task<void> respond_streaming(Connection& c, const Message& msg, Exchange& ex) {
  Sink sink(c.executor());
  SinkNotifier notifier(sink);
  ex.stream = &notifier;
  if (!co_await c.start_sse()) {
    co_return;
  }
  co_await ((produce(msg, ex, sink, notifier) && pump_only(c, sink)) || c.watch_peer());
}

/// Parses and validates a stateless POST. On failure the error response is prepared and
/// false is returned; on success `msg` is a request or a notification that passed the
/// header checks.
bool validate(Connection& c, Message& msg) {
  Server& server = c.server();
  const std::string_view version = c.header("MCP-Protocol-Version");
  namespace od = simdjson::ondemand;

  od::document doc;
  od::json_type type{};
  if (c.json().iterate(c.padded_body()).get(doc) || doc.type().get(type)) {
    c.prepare_error(400, {}, kParseError, "Parse error");
    return false;
  }
  if (type == od::json_type::array) {
    c.prepare_error(400, {}, kInvalidRequest,
                    "Invalid Request: batches are not supported by 2026-07-28");
    return false;
  }
  if (type != od::json_type::object) {
    c.prepare_error(400, {}, kInvalidRequest, "Invalid Request: not a JSON object");
    return false;
  }
  if (parse_message(doc, msg)) {
    c.prepare_error(400, {}, kParseError, "Parse error");
    return false;
  }
  if (version != kStatelessVersion) {
    const bool initialize = msg.method == "initialize";
    if (version.empty() && !initialize) {
      c.prepare_error(400, msg.id, kHeaderMismatch,
                      "Header mismatch: MCP-Protocol-Version header is required");
      return false;
    }
    // An unknown version, or a 2025 initialize when this server is --stateless-only.
    const std::string_view requested =
        version.empty() ? msg.protocol_version.value_or("") : version;
    Out data;
    append(data, R"({"supported":)");
    append(data, supported_versions_json(server.options().stateless_only));
    append(data, R"(,"requested":)");
    append_json_string(data, requested);
    data.push_back('}');
    c.prepare_error(400, msg.id, kUnsupportedProtocolVersion, "Unsupported protocol version",
                    view(data));
    return false;
  }
  if (msg.kind == Kind::invalid || msg.kind == Kind::response) {
    c.prepare_error(400, msg.id, kInvalidRequest,
                    msg.kind == Kind::response
                        ? "Invalid Request: clients do not send responses in 2026-07-28"
                        : msg.invalid_reason);
    return false;
  }
  if (const std::string problem = header_problem(c, msg, version); !problem.empty()) {
    c.prepare_error(400, msg.id, kHeaderMismatch, problem);
    return false;
  }
  return true;
}

bool streams(Connection& c, const Message& msg) {
  return wants_stream(msg, Flavor::stateless) &&
         header_lists(c.header("Accept"), "text/event-stream");
}

}  // namespace

bool serve_stateless_now(Connection& c) {
  Message msg;
  if (!validate(c, msg)) {
    return true;
  }
  if (msg.kind == Kind::notification) {
    c.prepare(202, {}, {});
    return true;
  }
  if (is_async(msg, c.server().options()) || streams(c, msg)) {
    return false;
  }
  Exchange ex{c.server(), Flavor::stateless};
  const unsigned status = answer(msg, ex, c.out());
  c.prepare_json(status);
  return true;
}

Task<void> serve_stateless_post(Connection& c) {
  // serve_stateless_now() validated this request already; parse it again for our views.
  Message msg;
  if (!validate(c, msg)) {
    co_await c.flush();
    co_return;
  }
  Exchange ex{c.server(), Flavor::stateless};
  if (streams(c, msg)) {
    co_await respond_streaming(c, msg, ex);
  } else if (co_await answer_async(msg, ex, c.out())) {
    co_await c.respond_json(200);
  }
}

}  // namespace mcplb::demo
