#pragma once
// '*'-only globs, as used by route matches (`mcp_method`, `tool`). Pure and allocation-free, so
// the request path may call it.

#include <string_view>

namespace mcplb::config {

/// True when `text` matches `pattern`, where '*' matches any run of bytes (including none)
/// and every other byte matches itself (no '?', no classes, no escapes; case-sensitive).
/// One forward pass over the text whatever the pattern (no backtracking, so "*a*a*a*b"
/// against a long run of 'a' stays linear); never allocates or throws; thread-safe.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace mcplb::config
