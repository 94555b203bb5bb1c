#pragma once
// THE mapping from an mcplb-originated error to the wire: HTTP status + JSON-RPC error code +
// default message, and the JSON-RPC / HTTP/1.1 bytes built from it. Every error mcplb itself
// answers with goes through here (table and rationale: src/mcp/README.md). Errors produced by
// backends are relayed untouched and never pass through this file.
//
// All functions are thread-safe, never throw (beyond std::bad_alloc from growing `out`), and
// append to a caller-owned string so a connection can reuse one buffer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcplb::mcp {

enum class ErrorKind : uint8_t {
  parse_error,          // body is not JSON
  invalid_request,      // JSON, but not a JSON-RPC request/notification we accept
  header_mismatch,      // 2026-07-28: Mcp-Method / Mcp-Name / MCP-Protocol-Version vs body
  session_not_found,    // unknown, tampered or expired session token
  no_route,             // no route / pool serves this request
  backend_unavailable,  // backend refused, reset, or no healthy backend
  backend_timeout,      // backend did not answer in time
  overloaded,           // mcplb or backend connection/request limits reached
  body_too_large,
  header_too_large,
  rate_limited,
  forbidden,            // Origin check, admin auth, ACL
  internal,
};
inline constexpr size_t kErrorKindCount = static_cast<size_t>(ErrorKind::internal) + 1;

struct ErrorInfo {
  uint16_t http_status;
  int32_t jsonrpc_code;
  std::string_view reason_phrase;    // HTTP reason phrase for the status line
  std::string_view default_message;  // JSON-RPC error.message when the caller gives none
  std::string_view name;             // stable snake_case name (metrics labels, logs)
};

/// The one table; see README.md for why each row is what it is.
const ErrorInfo& error_info(ErrorKind kind) noexcept;

/// Appends the JSON-RPC error response
/// `{"jsonrpc":"2.0","id":<id>,"error":{"code":C,"message":"M","data":{"origin":"mcplb"}}}`.
/// @param message  any bytes: JSON-escaped, invalid UTF-8 replaced by U+FFFD; empty = default.
/// @param id_json  the request id as raw JSON text (Inspection::id), or "null"/empty. Anything
///                 that is not a JSON number or string token is written as null.
void append_jsonrpc_error_body(std::string& out, ErrorKind kind, std::string_view message = {},
                               std::string_view id_json = "null");

/// Convenience wrapper returning the body.
std::string jsonrpc_error_body(ErrorKind kind, std::string_view message = {},
                               std::string_view id_json = "null");

struct HttpErrorOptions {
  bool close = false;                            // adds `Connection: close`
  std::optional<uint32_t> retry_after_seconds;   // adds `Retry-After: N`
};

/// Appends a complete HTTP/1.1 response: status line, Content-Type: application/json,
/// Content-Length, optional Retry-After and Connection: close, blank line, JSON-RPC body.
void append_http_error_response(std::string& out, ErrorKind kind, std::string_view message = {},
                                std::string_view id_json = "null",
                                const HttpErrorOptions& options = {});

/// Appends `s` JSON-escaped (without quotes): `"` `\` and controls escaped, invalid UTF-8
/// replaced by U+FFFD. Exposed for the access log and tests.
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace mcplb::mcp
