#include "config/suggest.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace mcplb::config {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows: transpositions look two rows back.
  std::vector<size_t> prev2(b.size() + 1);
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  // Names in configs are short; bound the work on hostile input.
  if (word.empty() || word.size() > 64) {
    return std::nullopt;
  }
  size_t limit = word.size() <= 3 ? 1 : 2;
  std::optional<std::string_view> best;
  size_t best_d = limit + 1;
  for (auto c : candidates) {
    size_t d = edit_distance(word, c);
    // d < size: something must survive of both words ("c" is not a misspelt "a").
    if (d < best_d && d < word.size() && d < c.size()) {
      best_d = d;
      best = c;
    }
  }
  if (best) {
    return best;
  }
  // "max_header" -> "max_header_bytes"
  if (word.size() >= 4) {
    for (auto c : candidates) {
      if (c.starts_with(word)) {
        return c;
      }
    }
  }
  return std::nullopt;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  auto c = closest(word, candidates);
  return c ? fmt::format(" (did you mean '{}'?)", *c) : std::string();
}

}  // namespace mcplb::config
