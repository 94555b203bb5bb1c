#pragma once
// The demo tools. Each writes the inside of a tools/call result object:
// `"content":[...],"isError":...` (the caller adds braces and protocol extras).

#include <string_view>

#include "asio_types.h"
#include "methods.h"

namespace mcplb::demo {

enum class ToolId { echo, slow, counter, progress, whoami, notify, unknown };

ToolId find_tool(std::string_view name);

/// Tools that wait: slow and progress.
bool tool_is_async(ToolId id);

/// Runs a tool that does not wait.
void call_tool(ToolId id, const Message& msg, Exchange& ex, Out& out);

/// Runs any tool; false if cancelled while waiting (nothing appended).
Task<bool> call_tool_async(ToolId id, const Message& msg, Exchange& ex, Out& out);

}  // namespace mcplb::demo
