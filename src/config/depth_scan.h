#pragma once
// A pre-parse guard against deeply nested YAML. yaml-cpp's parser recurses once (or more) per
// nesting level and only stops itself (YAML::DeepRecursion) at a few hundred levels, which
// needs ~200 KiB of stack; on a small thread stack that overflows. This scan bounds the depth
// first, on the raw text, without recursion.

#include <optional>
#include <string_view>

namespace mcplb::config {

struct TextPos {
  int line = 0;  // 1-based
  int col = 0;   // 1-based
};

/// Scans YAML text and returns the first position where an upper bound of the nesting depth
/// exceeds `limit`, or nullopt. The bound counts flow brackets plus twice the number of open
/// block indentation levels (a block sequence may sit at its parent map's indentation), so
/// it may over-estimate but never under-counts well-formed YAML; well-formed files with at
/// most limit/2 levels always pass. Malformed input may be misjudged; yaml-cpp's own guard
/// remains the backstop.
std::optional<TextPos> find_excess_nesting(std::string_view text, int limit);

}  // namespace mcplb::config
