#include "mcp/error.h"

#include "mcp/json_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace mcplb::mcp {
namespace {

// Indexed by ErrorKind. Codes: JSON-RPC 2.0 standard codes where one fits; -32020 is the
// spec's HeaderMismatch (2026-07-28); -32001 is the SDK convention for "Session not found";
// -32000..-32019 are implementation-defined per the 2026-07-28 schema, so mcplb's own
// conditions live there (never -32002, which older revisions used for resource not found).
constexpr std::array<ErrorInfo, kErrorKindCount> kTable = {{
    {400, -32700, "Bad Request", "Parse error", "parse_error"},
    {400, -32600, "Bad Request", "Invalid Request", "invalid_request"},
    {400, -32020, "Bad Request", "Header mismatch: MCP request headers do not match the body",
     "header_mismatch"},
    {404, -32001, "Not Found", "Session not found", "session_not_found"},
    {404, -32601, "Not Found", "Method not found: no route serves this request", "no_route"},
    {502, -32003, "Bad Gateway", "Backend unavailable", "backend_unavailable"},
    {504, -32004, "Gateway Timeout", "Backend timeout", "backend_timeout"},
    {503, -32005, "Service Unavailable", "Server overloaded, retry later", "overloaded"},
    {413, -32600, "Content Too Large", "Request body too large", "body_too_large"},
    {431, -32600, "Request Header Fields Too Large", "Request header fields too large",
     "header_too_large"},
    {429, -32006, "Too Many Requests", "Rate limit exceeded", "rate_limited"},
    {403, -32000, "Forbidden", "Forbidden", "forbidden"},
    {500, -32603, "Internal Server Error", "Internal error", "internal"},
}};

constexpr std::string_view kHex = "0123456789abcdef";

void append_id(std::string& out, std::string_view id) {
  if (json_text::is_number(id) || json_text::is_string_token(id)) {
    out.append(id);
  } else {
    out.append("null");
  }
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

const ErrorInfo& error_info(ErrorKind kind) noexcept {
  const auto i = static_cast<size_t>(kind);
  return kTable[i < kTable.size() ? i : static_cast<size_t>(ErrorKind::internal)];
}

void append_json_escaped(std::string& out, std::string_view s) {
  size_t plain_start = 0;
  auto flush = [&](size_t end) { out.append(s.data() + plain_start, end - plain_start); };
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t n = json_text::utf8_sequence(s, i);
      if (n != 0) {
        i += n;
        continue;
      }
    }
    flush(i);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.append("\xef\xbf\xbd");  // U+FFFD for a byte that starts no valid sequence
        }
    }
    ++i;
    plain_start = i;
  }
  flush(s.size());
}

void append_jsonrpc_error_body(std::string& out, ErrorKind kind, std::string_view message,
                               std::string_view id_json) {
  const ErrorInfo& info = error_info(kind);
  out.append(R"({"jsonrpc":"2.0","id":)");
  append_id(out, id_json);
  out.append(R"(,"error":{"code":)");
  append_int(out, info.jsonrpc_code);
  out.append(R"(,"message":")");
  append_json_escaped(out, message.empty() ? info.default_message : message);
  out.append(R"(","data":{"origin":"mcplb"}}})");
}

std::string jsonrpc_error_body(ErrorKind kind, std::string_view message,
                               std::string_view id_json) {
  std::string out;
  append_jsonrpc_error_body(out, kind, message, id_json);
  return out;
}

void append_http_error_response(std::string& out, ErrorKind kind, std::string_view message,
                                std::string_view id_json, const HttpErrorOptions& options) {
  const ErrorInfo& info = error_info(kind);
  // Body first (its length is only known once escaped), then the head is built on the stack
  // and inserted in front of it: one small memmove, no temporary string.
  const size_t start = out.size();
  append_jsonrpc_error_body(out, kind, message, id_json);
  const size_t body_len = out.size() - start;

  char head[256];  // the longest head is under 200 bytes
  char* p = head;
  char* const end = head + sizeof head;
  auto put = [&](std::string_view s) {
    const size_t n = std::min(s.size(), static_cast<size_t>(end - p));
    std::memcpy(p, s.data(), n);
    p += n;
  };
  auto put_uint = [&](uint64_t v) { p = std::to_chars(p, end, v).ptr; };
  put("HTTP/1.1 ");
  put_uint(info.http_status);
  put(" ");
  put(info.reason_phrase);  // at most 31 chars
  put("\r\nContent-Type: application/json\r\nContent-Length: ");
  put_uint(body_len);
  put("\r\n");
  if (options.retry_after_seconds) {
    put("Retry-After: ");
    put_uint(*options.retry_after_seconds);
    put("\r\n");
  }
  if (options.close) {
    put("Connection: close\r\n");
  }
  put("\r\n");
  out.insert(start, head, static_cast<size_t>(p - head));
}

}  // namespace mcplb::mcp
