#pragma once
// Internal to the inspector: reads one JSON-RPC message or batch from a simdjson on-demand
// document into an Inspection's fields (everything but status and detail, which inspect.cc
// decides from the result).

#include <simdjson.h>

#include <cstddef>
#include <string_view>

#include "mcp/inspect.h"

namespace mcplb::mcp::detail {

struct ReadResult {
  simdjson::error_code stage1 = simdjson::SUCCESS;  // iterate(): structural indexing
  bool json_error = false;                          // not JSON (at least up to the cut)
  bool semantic_error = false;                      // JSON, but not acceptable JSON-RPC
  std::string_view json_detail;
  std::string_view semantic_detail;
};

/// Parses buf[0, len), which is readable up to `capacity` (>= len + SIMDJSON_PADDING). `buf` is
/// either the body itself or a copy of it; reported views are translated to point into `body`.
/// Bytes at and after `real_len` were added to repair a cut body: a value ending there is not
/// reported. `complete` says whether the body ends at real_len.
ReadResult read_jsonrpc(simdjson::ondemand::parser& parser, const char* buf, size_t len,
                        size_t capacity, size_t real_len, const char* body, bool complete,
                        Inspection& out);

}  // namespace mcplb::mcp::detail
