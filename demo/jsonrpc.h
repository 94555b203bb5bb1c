#pragma once
// JSON-RPC 2.0 message model for the demo server: what the MCP layer needs from a request,
// extracted in one forward pass with simdjson on-demand, plus the error-body writers.
// All string_views point into the simdjson parser or its input: valid until that parser
// parses again (each HTTP connection owns its parser).

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "json_util.h"

namespace mcplb::demo {

/// A JSON scalar kept for echoing back: strings unescaped (re-escaped on output), numbers raw.
struct JsonToken {
  std::string_view text;
  bool is_string = false;
  bool present = false;
};

/// Appends the token as JSON (`null` if absent).
void append_token(Out& out, const JsonToken& token);

/// Tool arguments the demo tools understand; other argument names are ignored.
struct ToolArgs {
  std::optional<std::string_view> text;
  std::optional<std::string_view> message;
  std::optional<std::int64_t> ms;
  std::optional<std::int64_t> steps;
  std::optional<std::int64_t> interval_ms;
  std::string_view bad;  ///< name of the first argument with an unusable type, if any
};

enum class Kind { request, notification, response, invalid };

struct Message {
  Kind kind = Kind::invalid;
  std::string_view invalid_reason;
  JsonToken id;
  std::string_view method;
  std::optional<std::string_view> name;              ///< params.name
  std::optional<std::string_view> uri;               ///< params.uri
  std::optional<std::string_view> protocol_version;  ///< params.protocolVersion (initialize)
  std::optional<std::string_view> level;             ///< params.level (logging/setLevel)
  std::optional<std::string_view> meta_protocol;  ///< _meta io.modelcontextprotocol/protocolVersion
  std::optional<std::string_view> meta_log_level;  ///< _meta io.modelcontextprotocol/logLevel
  JsonToken progress_token;                        ///< _meta progressToken
  ToolArgs args;
};

/// Fills `msg` from one JSON value. Returns a simdjson error only for malformed JSON
/// (reply -32700); a well-formed value that is not a valid message gets Kind::invalid.
simdjson::error_code parse_message(simdjson::ondemand::value value, Message& msg);

/// Same for a document whose root is the message (not a batch).
simdjson::error_code parse_message(simdjson::ondemand::document& doc, Message& msg);

// JSON-RPC error codes used by the demo.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerError = -32000;             ///< implementation-defined: bad request
inline constexpr int kSessionNotFound = -32001;         ///< implementation-defined (as TS SDK)
inline constexpr int kResourceNotFoundLegacy = -32002;  ///< 2025-11-25 and earlier
inline constexpr int kHeaderMismatch = -32020;          ///< 2026-07-28 HeaderMismatch
inline constexpr int kUnsupportedProtocolVersion = -32022;

/// Appends a complete error response `{"jsonrpc":"2.0","id":...,"error":{...}}`.
/// `data_json`, if not empty, is raw JSON for error.data.
void append_error(Out& out, const JsonToken& id, int code, std::string_view message,
                  std::string_view data_json = {});

}  // namespace mcplb::demo
