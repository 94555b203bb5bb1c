#pragma once
// What the demo server offers, as constant JSON fragments: protocol versions, tools,
// resources and the ui:// widget.

#include <string_view>

namespace mcplb::demo {

inline constexpr std::string_view kServerName = "mcp-demo-server";
inline constexpr std::string_view kStatelessVersion = "2026-07-28";
inline constexpr std::string_view kLatestSessionVersion = "2025-11-25";
inline constexpr std::string_view kOldSseVersion = "2024-11-05";

inline constexpr std::string_view kWidgetUri = "ui://widget/demo.html";
inline constexpr std::string_view kWidgetMime = "text/html+skybridge";

/// The demo's own version (the project version, from CMake).
std::string_view server_version();

/// True for the session-based revisions this server speaks (2024-11-05 .. 2025-11-25).
bool is_session_version(std::string_view v);

/// initialize version negotiation: the client's version if it is one of 2025-03-26,
/// 2025-06-18, 2025-11-25 (plus 2024-11-05 on the old HTTP+SSE transport), else 2025-11-25.
std::string_view negotiate_version(std::string_view requested, bool old_sse_transport);

/// JSON array of the tool definitions (tools/list).
std::string_view tools_json();

/// JSON array of the resource definitions (resources/list).
std::string_view resources_json();

/// The widget HTML (served by resources/read and GET /ui/widget.html).
std::string_view widget_html();

/// Log levels of notifications/message, in RFC 5424 order; -1 if unknown.
int log_level_rank(std::string_view level);

}  // namespace mcplb::demo
