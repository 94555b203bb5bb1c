#pragma once
// Small text helpers shared by the JSON writers and the HTTP handlers. Pure functions.

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace mcplb::demo {

using Out = fmt::memory_buffer;

/// Appends `s` as a quoted JSON string; control characters are escaped, so the result never
/// contains a raw newline (SSE `data:` lines rely on that).
void append_json_string(Out& out, std::string_view s);

/// Returns `s` as a quoted JSON string (for values computed once at startup).
std::string json_quote(std::string_view s);

inline void append(Out& out, std::string_view s) { out.append(s.data(), s.data() + s.size()); }

inline std::string_view view(const Out& out) { return {out.data(), out.size()}; }

/// Decodes standard Base64 (with or without padding); nullopt on any invalid character.
std::optional<std::string> base64_decode(std::string_view in);

/// Decodes the MCP header sentinel `=?base64?...?=`; other values are returned unchanged.
/// nullopt when the sentinel is present but its payload is not valid Base64.
std::optional<std::string> decode_mcp_header_value(std::string_view value);

/// True if a comma-separated header value (e.g. Accept) lists `token` as a media type.
bool header_lists(std::string_view header_value, std::string_view token);

/// Removes leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

}  // namespace mcplb::demo
