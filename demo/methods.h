#pragma once
// MCP semantics shared by the three transports: given a parsed request, write its JSON-RPC
// response. The transports decide sessions, HTTP status and framing.

#include <string_view>

#include "asio_types.h"
#include "jsonrpc.h"
#include "options.h"

namespace mcplb::demo {

class Server;
class Session;

/// Which protocol generation a request arrived on; it changes result shapes slightly.
enum class Flavor { stateless, session, old_sse };

/// Receives the notifications that belong to one request (its SSE response stream).
class Notifier {
 public:
  virtual void send(std::string_view json) = 0;

 protected:
  ~Notifier() = default;
};

/// Context of one request.
struct Exchange {
  Server& server;
  Flavor flavor;
  Session* session = nullptr;  ///< null for stateless requests
  Notifier* stream = nullptr;  ///< set when the response is an SSE stream (or the old transport)
};

/// True if answering `msg` waits (a tool that sleeps or streams): use answer_async.
bool is_async(const Message& msg, const Options& opts);

/// True if the request is better answered as an SSE stream (progress notifications, or a
/// stateless notify that asked for log messages), when the client accepts one.
bool wants_stream(const Message& msg, Flavor flavor);

/// Appends the response to a request that is not initialize and not async.
/// @return the HTTP status to use (404 for an unknown method on a stateless request).
unsigned answer(const Message& msg, Exchange& ex, Out& out);

/// Appends the response to any request except initialize, waiting if the tool waits.
/// @return false if cancelled before the response was ready (nothing appended).
Task<bool> answer_async(const Message& msg, Exchange& ex, Out& out);

/// Appends the initialize response for the negotiated `version`.
void append_initialize_result(Out& out, const JsonToken& id, std::string_view version);

/// Appends the server/discover result body (stateless).
void append_discover_result(Out& out, const JsonToken& id, bool stateless_only);

/// JSON array of the protocol versions this server speaks, newest first.
std::string_view supported_versions_json(bool stateless_only);

}  // namespace mcplb::demo
