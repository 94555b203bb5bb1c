#include "config/glob.h"

#include <string.h>  // memmem (glibc)

namespace mcplb::config {

// With '*' as the only wildcard the pattern is lit0 * lit1 * ... * litN: lit0 must be a
// prefix, litN a suffix, and the middle literals must occur in order, without overlap, in
// what lies between. Taking each middle literal's leftmost occurrence is always safe (it
// leaves the most room for the rest), so one forward pass decides: the search position only
// moves forward (glibc memmem: two-way search for literals over 256 bytes, a skip search
// otherwise).
bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  const size_t first_star = pattern.find('*');
  if (first_star == std::string_view::npos) {
    return pattern == text;
  }
  const size_t last_star = pattern.rfind('*');
  const std::string_view head = pattern.substr(0, first_star);
  const std::string_view tail = pattern.substr(last_star + 1);
  if (text.size() < head.size() + tail.size() || !text.starts_with(head) ||
      !text.ends_with(tail)) {
    return false;
  }
  std::string_view rest = text.substr(head.size(), text.size() - head.size() - tail.size());
  std::string_view middle = pattern.substr(first_star + 1, last_star - first_star);
  while (!middle.empty()) {
    const size_t star = middle.find('*');  // the middle always ends in the last '*'
    const std::string_view lit = middle.substr(0, star);
    middle.remove_prefix(star + 1);
    if (lit.empty()) {
      continue;  // "**"
    }
    if (lit.size() > rest.size()) {
      return false;
    }
    const void* hit = ::memmem(rest.data(), rest.size(), lit.data(), lit.size());
    if (hit == nullptr) {
      return false;
    }
    const auto at = static_cast<size_t>(static_cast<const char*>(hit) - rest.data());
    rest.remove_prefix(at + lit.size());
  }
  return true;
}

}  // namespace mcplb::config
