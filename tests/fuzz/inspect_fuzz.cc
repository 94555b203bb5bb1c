// Arbitrary bytes -> mcp::inspect (complete and cut, copying and padded): must never crash,
// read out of bounds or report a string view outside the body / the Inspection.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "mcp/header_check.h"
#include "mcp/inspect.h"

namespace {

using mcplb::mcp::Inspection;
using mcplb::mcp::InspectStatus;

void check_view(std::string_view v, std::string_view body, const Inspection& in) {
  const char* lo = body.data();
  const char* hi = body.data() + body.size();
  const char* s_lo = in.scratch_.data();
  const char* s_hi = in.scratch_.data() + Inspection::kScratchBytes;
  const bool in_body = v.data() >= lo && v.data() + v.size() <= hi;
  const bool in_scratch = v.data() >= s_lo && v.data() + v.size() <= s_hi;
  if (!in_body && !in_scratch) {
    std::abort();
  }
}

void check(std::string_view body, const Inspection& in) {
  for (const auto& f : {in.method, in.name, in.uri, in.protocol_version,
                        in.meta_protocol_version}) {
    if (f) {
      check_view(*f, body, in);
    }
  }
  if (!in.id.empty()) {
    check_view(in.id, body, in);
  }
  for (size_t i = 0; i < in.batch_methods_count; ++i) {
    check_view(in.batch_methods[i], body, in);
  }
  if (in.status == InspectStatus::parse_error && in.method) {
    std::abort();  // a rejected body must not hand fields to the router
  }
  // Exercise the header check with the body's own values and with garbage.
  (void)mcplb::mcp::check_stateless_headers(in, in.method.value_or(""), in.name.value_or(""),
                                            "2026-07-28");
  (void)mcplb::mcp::check_stateless_headers(in, "tools/call", "=?base64?YQ==?=");
}

// Differential check against simdjson's DOM parser, which validates the whole document: valid
// JSON is never a parse error, and the fields reported for an accepted message match.
void compare_with_dom(const std::string& body, const Inspection& in) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
    return;  // on-demand inspection is lazier: it may accept what the DOM rejects
  }
  if (in.status == InspectStatus::parse_error) {
    std::abort();
  }
  if (in.status != InspectStatus::ok || !doc.is_object()) {
    return;
  }
  std::string_view method;
  if (in.method && (doc["method"].get(method) != simdjson::SUCCESS || method != *in.method)) {
    std::abort();
  }
  std::string_view name;
  if (in.name && (doc["params"]["name"].get(name) != simdjson::SUCCESS || name != *in.name)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  Inspection in;
  mcplb::mcp::inspect(body, true, in);
  check(body, in);
  if (size <= mcplb::mcp::kMaxInspectBytes) {
    compare_with_dom(body, in);
  }
  const InspectStatus whole = in.status;

  mcplb::mcp::inspect(body, false, in);
  check(body, in);
  if (in.status == InspectStatus::ok || in.status == InspectStatus::parse_error) {
    std::abort();  // a cut body is never reported ok, and never blamed for its cut
  }

  std::string padded = body;
  padded.resize(body.size() + mcplb::mcp::kInspectPadding, '\0');
  const std::string_view view(padded.data(), body.size());
  mcplb::mcp::inspect_padded(view, padded.size(), true, in);
  check(view, in);
  if (in.status != whole) {
    std::abort();
  }

  // Every cut of the body (bounded, to keep each run fast).
  for (size_t len = size > 64 ? size - 64 : 0; len < size; ++len) {
    mcplb::mcp::inspect(std::string_view(body).substr(0, len), false, in);
    check(body, in);
  }
  return 0;
}
