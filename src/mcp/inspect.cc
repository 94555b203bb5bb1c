#include "mcp/inspect.h"

#include <simdjson.h>

#include <cstring>
#include <memory>

#include "mcp/jsonrpc_reader.h"

namespace mcplb::mcp {
namespace {

namespace od = simdjson::ondemand;

static_assert(kInspectPadding == simdjson::SIMDJSON_PADDING);

// Room for the repaired tail of a cut body: a closing quote and bracket (see repair_cut()).
constexpr size_t kRepairBytes = 2;
constexpr size_t kParserCapacity = kMaxInspectBytes + kRepairBytes;

struct ThreadParser {
  od::parser parser{kParserCapacity};
  std::unique_ptr<char[]> copy{new char[kParserCapacity + simdjson::SIMDJSON_PADDING]};
  ThreadParser() {
    // Allocate the parser's buffers now, once per thread, never on a request.
    if (parser.allocate(kParserCapacity) != simdjson::SUCCESS) {
      // Out of memory at thread start: iterate() will retry the allocation (and fail cleanly).
    }
  }
};

ThreadParser& thread_parser() {
  thread_local ThreadParser t;
  return t;
}

// simdjson's on-demand API refuses a root object or array whose last structural character is
// not its closing bracket, and its stage 1 refuses an odd number of quotes. A cut body gets
// both repaired so the members before the cut can be read: an optional closing quote, then
// the root's closing bracket. Everything at or after `real_len` is synthetic: a value ending
// there is never reported (Parser::read_string / read_id).
struct Repair {
  size_t len;       // bytes handed to simdjson
  size_t real_len;  // bytes of the body among them
};

char root_closer(const char* buf, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    const char c = buf[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    return c == '{' ? '}' : c == '[' ? ']' : '\0';
  }
  return '\0';
}

Repair repair_cut(char* buf, size_t len, bool close_string) {
  size_t real_len = len;
  if (close_string) {
    size_t backslashes = 0;
    while (backslashes < len && buf[len - 1 - backslashes] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 1) {
      --real_len;  // the cut split an escape: drop its backslash
    }
  }
  size_t n = real_len;
  if (close_string) {
    buf[n++] = '"';
  }
  if (const char closer = root_closer(buf, real_len)) {
    buf[n++] = closer;
  }
  std::memset(buf + n, ' ', simdjson::SIMDJSON_PADDING);
  return {n, real_len};
}

// Length without a trailing, incomplete UTF-8 sequence (a cut can split a character).
size_t drop_partial_utf8(const char* p, size_t len) {
  for (size_t back = 1; back <= 3 && back <= len; ++back) {
    const auto c = static_cast<uint8_t>(p[len - back]);
    if ((c & 0xc0) == 0x80) {
      continue;  // continuation byte: keep looking for the lead byte
    }
    const size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}

void reset(Inspection& out) {
  out.status = InspectStatus::parse_error;
  out.kind = MessageKind::invalid;
  out.detail = {};
  out.method.reset();
  out.id = {};
  out.name.reset();
  out.uri.reset();
  out.protocol_version.reset();
  out.meta_protocol_version.reset();
  out.has_progress_token = false;
  out.lossy = false;
  out.batch_size = 0;
  out.batch_has_initialize = false;
  out.batch_methods_count = 0;
  out.scratch_used_ = 0;
}

InspectStatus finish(Inspection& out, const detail::ReadResult& p, bool complete) {
  // JSON-RPC: a body that is not JSON is a parse error even if what was read of it was already
  // wrong. In a cut body a JSON error is expected at the cut, so a semantic error wins there.
  if (complete && p.json_error) {
    out.status = InspectStatus::parse_error;
    out.detail = p.json_detail;
  } else if (p.semantic_error) {
    out.status = InspectStatus::invalid_request;
    out.detail = p.semantic_detail;
  } else if (!complete) {
    out.status = InspectStatus::incomplete;
    out.detail = "body cut before the message ended";
  } else {
    out.status = InspectStatus::ok;
  }
  if (out.status == InspectStatus::parse_error || out.status == InspectStatus::invalid_request) {
    // Do not hand half-read fields of a rejected message to the router.
    out.kind = MessageKind::invalid;
    out.method.reset();
    out.name.reset();
    out.uri.reset();
    out.protocol_version.reset();
    out.meta_protocol_version.reset();
    out.has_progress_token = false;
    out.batch_size = 0;
    out.batch_has_initialize = false;
    out.batch_methods_count = 0;
  }
  return out.status;
}

InspectStatus inspect_copy(std::string_view body, bool complete, Inspection& out) {
  ThreadParser& tp = thread_parser();
  constexpr size_t kCapacity = kParserCapacity + simdjson::SIMDJSON_PADDING;
  if (body.size() > kMaxInspectBytes) {
    body = body.substr(0, kMaxInspectBytes);
    complete = false;
  }
  char* buf = tp.copy.get();
  if (complete) {
    std::memcpy(buf, body.data(), body.size());
    std::memset(buf + body.size(), ' ', simdjson::SIMDJSON_PADDING);  // deterministic padding
    return finish(out,
                  detail::read_jsonrpc(tp.parser, buf, body.size(), kCapacity, body.size(),
                                       body.data(), true, out),
                  true);
  }
  const size_t len = drop_partial_utf8(body.data(), body.size());
  std::memcpy(buf, body.data(), len);
  Repair r = repair_cut(buf, len, false);
  detail::ReadResult result =
      detail::read_jsonrpc(tp.parser, buf, r.len, kCapacity, r.real_len, body.data(), false, out);
  if (result.stage1 == simdjson::UNCLOSED_STRING) {
    reset(out);
    r = repair_cut(buf, len, true);
    result = detail::read_jsonrpc(tp.parser, buf, r.len, kCapacity, r.real_len, body.data(), false,
                                  out);
  }
  return finish(out, result, false);
}

}  // namespace

std::string_view to_string(InspectStatus s) noexcept {
  switch (s) {
    case InspectStatus::ok:
      return "ok";
    case InspectStatus::parse_error:
      return "parse_error";
    case InspectStatus::invalid_request:
      return "invalid_request";
    case InspectStatus::incomplete:
      return "incomplete";
  }
  return "unknown";
}

std::string_view to_string(MessageKind k) noexcept {
  switch (k) {
    case MessageKind::invalid:
      return "invalid";
    case MessageKind::request:
      return "request";
    case MessageKind::notification:
      return "notification";
    case MessageKind::response:
      return "response";
    case MessageKind::batch:
      return "batch";
  }
  return "unknown";
}

InspectStatus inspect(std::string_view body, bool complete, Inspection& out) noexcept {
  reset(out);
  return inspect_copy(body, complete, out);
}

InspectStatus inspect_padded(std::string_view body, size_t capacity, bool complete,
                             Inspection& out) noexcept {
  reset(out);
  if (!complete || body.size() > kMaxInspectBytes || capacity < body.size() + kInspectPadding) {
    return inspect_copy(body, complete, out);
  }
  return finish(out,
                detail::read_jsonrpc(thread_parser().parser, body.data(), body.size(), capacity,
                                     body.size(), body.data(), true, out),
                true);
}

}  // namespace mcplb::mcp
