#pragma once
// HTTP routing of the demo server and the entry points of each transport.
// Most requests are answered synchronously: route_now() prepares the response and the
// connection writes it. The rest (SSE streams, tools that wait) go through route().

#include "asio_types.h"

namespace mcplb::demo {

class Connection;

/// Prepares the response to the request just read, if that needs no waiting.
/// @return false if the request must be served by route() instead.
bool route_now(Connection& c);

/// Serves a request that route_now() declined (writes the response itself).
Task<void> route(Connection& c);

// Streamable HTTP, stateless (2026-07-28): stateless.cc
bool serve_stateless_now(Connection& c);
Task<void> serve_stateless_post(Connection& c);
// Streamable HTTP with sessions (2025-03-26 .. 2025-11-25): sessions.cc
bool serve_session_now(Connection& c);
Task<void> serve_session_post(Connection& c);
Task<void> serve_session_get(Connection& c);
void serve_session_delete(Connection& c);
// HTTP+SSE (2024-11-05): old_sse.cc
Task<void> serve_sse_get(Connection& c);
void serve_sse_message(Connection& c);

}  // namespace mcplb::demo
