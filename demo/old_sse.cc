// HTTP+SSE transport (2024-11-05): GET /sse opens the stream and announces the POST URL in
// an `endpoint` event; POST /message?sessionId=<id> is acknowledged with 202 and its
// response travels as an `event: message` on that stream.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <exception>

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

std::string_view query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) {
    return {};
  }
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return {};
}

/// Handles one posted message after the 202: it owns a copy of the body, so a slow tool
/// does not hold the HTTP connection (a proxy may reuse it at once).
Task<void> process(Server& server, SessionPtr session, std::string body) {
  try {
    simdjson::ondemand::parser parser;
    const simdjson::padded_string padded(body);
    simdjson::ondemand::document doc;
    Message msg;
    Out out;
    if (parser.iterate(padded).get(doc) || parse_message(doc, msg)) {
      append_error(out, {}, kParseError, "Parse error");
    } else if (msg.kind == Kind::invalid) {
      append_error(out, msg.id, kInvalidRequest, msg.invalid_reason);
    } else if (msg.kind != Kind::request) {
      co_return;  // notifications and client responses need no answer
    } else if (msg.method == "initialize") {
      const std::string_view version = negotiate_version(msg.protocol_version.value_or(""), true);
      session->set_protocol(version);
      append_initialize_result(out, msg.id, version);
    } else {
      SessionNotifier notifier(*session, Session::kGetStream);
      Exchange ex{server, Flavor::old_sse, session.get(), &notifier};
      if (!co_await answer_async(msg, ex, out)) {
        co_return;
      }
    }
    session->emit(Session::kGetStream, view(out));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-demo-server: /message: %s\n", e.what());
  }
}

}  // namespace

Task<void> serve_sse_get(Connection& c) {
  SessionStore& store = c.server().sessions();
  SessionPtr session = store.create(SessionKind::old_sse, kOldSseVersion);
  auto sink = std::make_shared<Sink>(c.executor());
  sink->push(fmt::format("event: endpoint\ndata: /message?sessionId={}\n\n", session->id()));
  session->attach(Session::kGetStream, sink, std::nullopt);
  c.close_after_response();
  if (co_await c.start_sse()) {
    co_await (c.pump(*sink) || c.watch_peer() || c.keepalive(*sink));
  }
  // The old transport cannot resume a stream: the session ends with it.
  store.erase(session->id());
}

void serve_sse_message(Connection& c) {
  const std::string_view session_id = query_param(c.request().target(), "sessionId");
  if (session_id.empty()) {
    c.prepare_error(400, {}, kServerError, "Bad Request: sessionId query parameter is required");
    return;
  }
  SessionPtr session = c.server().sessions().find(session_id);
  if (!session || session->kind() != SessionKind::old_sse) {
    c.prepare_error(404, {}, kSessionNotFound, "Session not found");
    return;
  }
  // Validate now so malformed JSON gets its 400; process() parses its own copy later.
  simdjson::ondemand::document doc;
  simdjson::ondemand::json_type type{};
  Message msg;
  if (c.json().iterate(c.padded_body()).get(doc) || doc.type().get(type)) {
    c.prepare_error(400, {}, kParseError, "Parse error");
    return;
  }
  if (type != simdjson::ondemand::json_type::object) {
    c.prepare_error(400, {}, kInvalidRequest, "Invalid Request: not a JSON object");
    return;
  }
  if (parse_message(doc, msg)) {
    c.prepare_error(400, {}, kParseError, "Parse error");
    return;
  }
  asio::co_spawn(c.executor(), process(c.server(), std::move(session), c.request().body()),
                 asio::detached);
  c.prepare(202, "text/plain", "Accepted");
}

}  // namespace mcplb::demo
