#pragma once
// What transparent failover and safe retries read from MCP messages (src/mcp/README.md,
// "Failover"). Off the hot path: each runs once per session move or per tools/list answer.

#include <functional>
#include <string>
#include <string_view>

namespace mcplb::mcp {

/// The id mcplb gives the initialize it replays (its answer is read by mcplb, never relayed).
inline constexpr int64_t kReplayInitializeId = 1;

/// From a client's stored `initialize` request, the body mcplb sends to open the session
/// again elsewhere: the same params, id kReplayInitializeId. False when `initialize` is not a
/// JSON-RPC initialize request with an object `params`.
bool replay_initialize_body(std::string_view initialize, std::string& out);

/// Reads a `tools/list` answer (a JSON body, or a text/event-stream body whose events carry
/// JSON-RPC messages) and calls `tool(name, safe)` for each tool listed, where safe means
/// annotated readOnlyHint: true or idempotentHint: true. Returns the number of tools seen;
/// malformed input yields 0 (never throws).
size_t read_tool_hints(std::string_view body, bool event_stream,
                       const std::function<void(std::string_view name, bool safe)>& tool);

}  // namespace mcplb::mcp
