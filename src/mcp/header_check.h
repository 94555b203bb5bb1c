#pragma once
// The 2026-07-28 rule that the request metadata headers mirror the body (Streamable HTTP,
// "Request Metadata" / "Server Validation"): Mcp-Method = method for every request; Mcp-Name =
// params.name (tools/call, prompts/get) or params.uri (resources/read); MCP-Protocol-Version =
// params._meta["io.modelcontextprotocol/protocolVersion"]. A failure is answered with
// 400 + JSON-RPC -32020 (ErrorKind::header_mismatch). Details and sources: README.md.

#include <cstdint>
#include <string_view>

#include "mcp/inspect.h"

namespace mcplb::mcp {

enum class HeaderCheck : uint8_t {
  ok,
  not_applicable,             // not a single request/notification: batch, response, invalid
  missing_method,             // request without Mcp-Method
  method_mismatch,            // Mcp-Method != method
  missing_name,               // body has params.name/uri, Mcp-Name absent
  name_mismatch,              // decoded Mcp-Name != params.name/uri
  bad_name_encoding,          // Mcp-Name: malformed =?base64?...?=, or raw non-ASCII/controls
  protocol_version_mismatch,  // MCP-Protocol-Version != the body's _meta protocol version
  unverifiable,               // the mirrored body value lies beyond the inspected prefix
};
std::string_view to_string(HeaderCheck c) noexcept;

/// Which body field Mcp-Name mirrors for `method`: "name", "uri", or empty (no Mcp-Name).
std::string_view mcp_name_source(std::string_view method) noexcept;

/// Checks the mirrored headers against an inspected body. An empty header value means the
/// header is absent. `protocol_version_header` is compared only when given and when the body
/// carries the _meta protocol version. Notifications: the spec defines no header rules for them,
/// so Mcp-Method is checked only when present (as the TypeScript SDK does). Only call this for
/// traffic that claims the stateless revision: older revisions have no such headers.
/// Thread-safe, allocation-free.
HeaderCheck check_stateless_headers(const Inspection& inspection,
                                    std::string_view mcp_method_header,
                                    std::string_view mcp_name_header,
                                    std::string_view protocol_version_header = {}) noexcept;

/// Decodes an Mcp-Name / Mcp-Param-* value (plain, or the `=?base64?...?=` sentinel: standard
/// padded base64 of UTF-8) and compares it with `expected`. Returns ok, name_mismatch or
/// bad_name_encoding.
HeaderCheck compare_mirrored_value(std::string_view header_value,
                                   std::string_view expected) noexcept;

}  // namespace mcplb::mcp
