#pragma once
// JSON-RPC inspection of a POST body (simdjson on-demand): what the router, the rate limiter,
// the access log and the 2026-07-28 header check need, read from at most the first
// kMaxInspectBytes of the body. Protocol decisions (duplicate keys, truncated bodies, id
// rules, batches): src/mcp/README.md.
//
// Thread-safety: inspect() uses a thread-local simdjson parser (allocated once per thread, sized
// for kMaxInspectBytes); it never allocates after that, never throws, and may run on any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mcplb::mcp {

/// Bodies are inspected up to this many bytes; the rest streams through unread.
inline constexpr size_t kMaxInspectBytes = 64 * 1024;
/// Bytes of readable slack inspect_padded() needs after the body (== SIMDJSON_PADDING).
inline constexpr size_t kInspectPadding = 64;
/// Batch methods remembered in Inspection::batch_methods (the count is always exact).
inline constexpr size_t kMaxBatchMethods = 8;

enum class InspectStatus : uint8_t {
  ok,               // a JSON-RPC request, notification, response or batch; fields filled in
  parse_error,      // not JSON (caller answers 400, -32700)
  invalid_request,  // JSON, but not an acceptable JSON-RPC message (400, -32600)
  incomplete,       // body cut at the bound before the message ended: the fields seen before
                    // the cut are filled in, kind is a best guess; the caller decides
};

enum class MessageKind : uint8_t { invalid, request, notification, response, batch };

std::string_view to_string(InspectStatus s) noexcept;
std::string_view to_string(MessageKind k) noexcept;

/// The result of one inspection. String fields are decoded JSON string values (escapes
/// resolved) and point into the inspected body, or, only when the value contained escapes,
/// into this object's own scratch space; so an Inspection can be neither copied nor moved, and
/// it is valid while both it and the body buffer live.
struct Inspection {
  Inspection() = default;
  Inspection(const Inspection&) = delete;
  Inspection& operator=(const Inspection&) = delete;

  InspectStatus status = InspectStatus::parse_error;
  MessageKind kind = MessageKind::invalid;
  /// Static text saying why status is not ok (for logs and error messages).
  std::string_view detail;

  /// `method`; for a batch, the first item's.
  std::optional<std::string_view> method;
  /// `id` as raw JSON text: a number (`1`) or a string with its quotes (`"a-1"`), or `null`
  /// for a response; empty when absent. Safe to copy verbatim into a JSON-RPC reply.
  std::string_view id;
  std::optional<std::string_view> name;                   // params.name (tool or prompt)
  std::optional<std::string_view> uri;                    // params.uri (resources/read, ...)
  std::optional<std::string_view> protocol_version;       // params.protocolVersion (initialize)
  /// params._meta["io.modelcontextprotocol/protocolVersion"] (2026-07-28 request envelope).
  std::optional<std::string_view> meta_protocol_version;
  bool has_progress_token = false;  // params._meta.progressToken present
  /// A string field held escapes too long for the scratch space and was left unset.
  bool lossy = false;

  // Batches (JSON arrays; removed from MCP in 2025-06-18, still accepted by older servers).
  uint32_t batch_size = 0;
  bool batch_has_initialize = false;
  uint8_t batch_methods_count = 0;  // min(number of items with a method, kMaxBatchMethods)
  std::array<std::string_view, kMaxBatchMethods> batch_methods{};

  bool is_initialize() const noexcept {
    return kind == MessageKind::batch ? batch_has_initialize
                                      : (method && *method == "initialize");
  }

  // Implementation detail: decoded copies of escaped strings (plus simdjson's write slack).
  static constexpr size_t kScratchBytes = 1024;
  size_t scratch_used_ = 0;
  std::array<char, kScratchBytes + kInspectPadding> scratch_;
};

/// Inspects `body` (the whole body when `complete`, else a prefix of it). At most
/// kMaxInspectBytes are read; a longer body is inspected as an incomplete prefix.
/// The body is copied into a thread-local padded buffer (a few ns for typical bodies).
/// @return out.status
InspectStatus inspect(std::string_view body, bool complete, Inspection& out) noexcept;

/// Same, without the copy: the caller guarantees `capacity - body.size() >= kInspectPadding`
/// bytes are readable after the body (their content does not matter). Falls back to the copying
/// path when the body is longer than kMaxInspectBytes or must be repaired (cut inside a string).
InspectStatus inspect_padded(std::string_view body, size_t capacity, bool complete,
                             Inspection& out) noexcept;

}  // namespace mcplb::mcp
