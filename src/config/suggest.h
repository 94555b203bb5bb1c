#pragma once
// "did you mean ...?" for misspelt keys and names.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mcplb::config {

/// Optimal-string-alignment edit distance (a transposition counts as one edit).
size_t edit_distance(std::string_view a, std::string_view b);

/// The closest candidate within a small edit distance (<= 2, or <= 1 for words of 3 or fewer
/// characters), or a candidate that the word is a prefix of. Ties go to the earlier candidate.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates);

/// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace mcplb::config
