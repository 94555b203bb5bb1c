#pragma once
// Responses mcplb writes itself: one JSON-RPC error shape for every status, so MCP clients
// can always parse what they get ({"jsonrpc":"2.0","id":null,"error":{...}}).

#include <cstddef>
#include <string_view>

namespace mcplb::proxy {

// JSON-RPC codes mcplb uses (see docs/errors in src/mcp/README.md once MCP routing lands).
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kNoRoute = -32601;
inline constexpr int kBackendUnavailable = -32002;
inline constexpr int kBackendTimeout = -32003;
inline constexpr int kOverloaded = -32004;

struct ErrorReply {
  int status;
  int code;
  std::string_view message;
};

/// Writes a complete HTTP/1.1 response into [out, out+cap); returns its size, 0 if it did
/// not fit. `close` adds "Connection: close"; retry_after_s > 0 adds Retry-After.
size_t write_error_response(char* out, size_t cap, const ErrorReply& e, bool close,
                            int retry_after_s = 0);

std::string_view reason_phrase(int status);

}  // namespace mcplb::proxy
