// Streamable HTTP with sessions (2025-03-26, 2025-06-18, 2025-11-25): initialize mints an
// Mcp-Session-Id; later POSTs, the GET stream and DELETE carry it.

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

Task<void> session_not_found(Connection& c) {
  co_await c.respond_error(404, {}, kSessionNotFound, "Session not found");
}

/// Runs the request and ends its stream; keeps running if the client goes away, so a
/// GET with Last-Event-ID can collect the rest (2025-11-25 resumability).
Task<void> produce(const Message& msg, Exchange& ex, std::uint32_t stream) {
  Out result;
  co_await answer_async(msg, ex, result);
  ex.session->emit(stream, view(result));
  ex.session->finish_stream(stream);
}

Task<void> pump_only(Connection& c, Sink& sink) { co_await c.pump(sink); }

Task<void> respond_streaming(Connection& c, const Message& msg, Exchange& ex) {
  Session& session = *ex.session;
  const std::uint32_t stream = session.open_stream();
  auto sink = std::make_shared<Sink>(c.executor());
  session.attach(stream, sink, std::nullopt);
  SessionNotifier notifier(session, stream);
  ex.stream = &notifier;
  if (co_await c.start_sse()) {
    if (session.protocol() >= "2025-11-25") {
      session.emit_priming(stream);  // older clients may not expect an event without data
    }
    co_await (produce(msg, ex, stream) && (pump_only(c, *sink) || c.watch_peer()));
  } else {
    co_await produce(msg, ex, stream);
  }
  session.detach(stream, sink);
}

/// Answers one request of a batch (2025-03-26 only), appending to `out`.
Task<void> answer_in_batch(const Message& msg, Exchange& ex, Out& out) {
  if (msg.kind == Kind::invalid) {
    append_error(out, msg.id, kInvalidRequest, msg.invalid_reason);
  } else if (msg.method == "initialize") {
    append_error(out, msg.id, kInvalidRequest, "initialize must not be part of a batch");
  } else if (is_async(msg, ex.server.options())) {
    co_await answer_async(msg, ex, out);
  } else {
    answer(msg, ex, out);
  }
}

Task<void> serve_batch(Connection& c, simdjson::ondemand::document& doc, Session& session) {
  if (session.protocol() != "2025-03-26") {
    co_await c.respond_error(400, {}, kInvalidRequest,
                             "Invalid Request: JSON-RPC batches exist only in 2025-03-26");
    co_return;
  }
  simdjson::ondemand::array array;
  if (doc.get_array().get(array)) {
    co_await c.respond_error(400, {}, kParseError, "Parse error");
    co_return;
  }
  Exchange ex{c.server(), Flavor::session, &session};
  Out& out = c.out();
  out.push_back('[');
  bool any_element = false;
  bool any_response = false;
  for (auto element : array) {
    simdjson::ondemand::value value;
    Message msg;
    if (element.get(value) || parse_message(value, msg)) {
      co_await c.respond_error(400, {}, kParseError, "Parse error");
      co_return;
    }
    any_element = true;
    if (msg.kind == Kind::notification || msg.kind == Kind::response) {
      continue;
    }
    if (any_response) {
      out.push_back(',');
    }
    any_response = true;
    co_await answer_in_batch(msg, ex, out);
  }
  out.push_back(']');
  if (!any_element) {
    co_await c.respond_error(400, {}, kInvalidRequest, "Invalid Request: empty batch");
  } else if (!any_response) {
    co_await c.respond(202, {}, {});
  } else {
    co_await c.respond_json(200);
  }
}

void initialize(Connection& c, const Message& msg) {
  if (msg.kind != Kind::request) {
    c.prepare_error(400, msg.id, kInvalidRequest, "Invalid Request: initialize needs an id");
    return;
  }
  const std::string_view version = negotiate_version(msg.protocol_version.value_or(""), false);
  SessionPtr session = c.server().sessions().create(SessionKind::streamable, version);
  append_initialize_result(c.out(), msg.id, version);
  c.prepare_json(200, fmt::format("Mcp-Session-Id: {}\r\n", session->id()));
}

struct SessionPost {
  SessionPtr session;
  Message msg;
  bool batch = false;
};

bool streams(Connection& c, const Message& msg) {
  return wants_stream(msg, Flavor::session) &&
         header_lists(c.header("Accept"), "text/event-stream");
}

/// Parses a session POST and finds its session. Prepares the response and returns true
/// when no waiting is needed; returns false for batches and for requests that wait.
bool session_step(Connection& c, simdjson::ondemand::document& doc, SessionPost& post) {
  namespace od = simdjson::ondemand;
  od::json_type type{};
  if (c.json().iterate(c.padded_body()).get(doc) || doc.type().get(type)) {
    c.prepare_error(400, {}, kParseError, "Parse error");
    return true;
  }
  const std::string_view session_id = c.header("Mcp-Session-Id");
  if (!session_id.empty()) {
    post.session = c.server().sessions().find(session_id);
    if (!post.session || post.session->kind() != SessionKind::streamable) {
      c.prepare_error(404, {}, kSessionNotFound, "Session not found");
      return true;
    }
  }
  Message& msg = post.msg;
  if (type == od::json_type::array) {
    if (!post.session) {
      c.prepare_error(400, {}, kServerError, "Bad Request: Mcp-Session-Id header is required");
      return true;
    }
    post.batch = true;
    return false;
  }
  if (type != od::json_type::object) {
    c.prepare_error(400, {}, kInvalidRequest, "Invalid Request: not a JSON object");
    return true;
  }
  if (parse_message(doc, msg)) {
    c.prepare_error(400, {}, kParseError, "Parse error");
    return true;
  }
  if (msg.kind == Kind::invalid) {
    c.prepare_error(400, msg.id, kInvalidRequest, msg.invalid_reason);
    return true;
  }
  if (msg.method == "initialize") {
    if (post.session) {
      c.prepare_error(400, msg.id, kInvalidRequest, "Invalid Request: session already initialized");
    } else {
      initialize(c, msg);
    }
    return true;
  }
  if (!post.session) {
    c.prepare_error(400, msg.id, kServerError, "Bad Request: Mcp-Session-Id header is required");
    return true;
  }
  if (msg.kind != Kind::request) {
    // notifications/initialized, notifications/cancelled, client responses: nothing to do.
    c.prepare(202, {}, {});
    return true;
  }
  if (is_async(msg, c.server().options()) || streams(c, msg)) {
    return false;
  }
  Exchange ex{c.server(), Flavor::session, post.session.get()};
  answer(msg, ex, c.out());
  c.prepare_json(200);
  return true;
}

}  // namespace

bool serve_session_now(Connection& c) {
  simdjson::ondemand::document doc;
  SessionPost post;
  return session_step(c, doc, post);
}

Task<void> serve_session_post(Connection& c) {
  // serve_session_now() declined this request; parse it again for our own views.
  simdjson::ondemand::document doc;
  SessionPost post;
  if (session_step(c, doc, post)) {
    co_await c.flush();
    co_return;
  }
  if (post.batch) {
    co_await serve_batch(c, doc, *post.session);
    co_return;
  }
  Exchange ex{c.server(), Flavor::session, post.session.get()};
  if (streams(c, post.msg)) {
    co_await respond_streaming(c, post.msg, ex);
  } else {
    co_await answer_async(post.msg, ex, c.out());
    co_await c.respond_json(200);
  }
}

Task<void> serve_session_get(Connection& c) {
  const std::string_view session_id = c.header("Mcp-Session-Id");
  if (session_id.empty()) {
    co_await c.respond_error(400, {}, kServerError,
                             "Bad Request: Mcp-Session-Id header is required");
    co_return;
  }
  SessionPtr session = c.server().sessions().find(session_id);
  if (!session || session->kind() != SessionKind::streamable) {
    co_await session_not_found(c);
    co_return;
  }
  if (!header_lists(c.header("Accept"), "text/event-stream")) {
    co_await c.respond_error(406, {}, kServerError,
                             "Not Acceptable: the GET stream needs Accept: text/event-stream");
    co_return;
  }
  // Last-Event-ID names the stream to resume (the GET stream or a POST response stream).
  const std::optional<EventId> last = parse_event_id(c.header("Last-Event-ID"));
  const std::uint32_t stream = last ? last->stream : Session::kGetStream;
  auto sink = std::make_shared<Sink>(c.executor());
  if (!session->attach(stream, sink, last ? std::optional(last->seq) : std::nullopt)) {
    co_await session_not_found(c);
    co_return;
  }
  c.close_after_response();
  if (co_await c.start_sse()) {
    co_await (c.pump(*sink) || c.watch_peer() || c.keepalive(*sink));
  }
  session->detach(stream, sink);
}

void serve_session_delete(Connection& c) {
  const std::string_view session_id = c.header("Mcp-Session-Id");
  if (session_id.empty()) {
    c.prepare_error(400, {}, kServerError, "Bad Request: Mcp-Session-Id header is required");
  } else if (!c.server().sessions().erase(session_id)) {
    c.prepare_error(404, {}, kSessionNotFound, "Session not found");
  } else {
    c.prepare(200, {}, {});
  }
}

}  // namespace mcplb::demo
