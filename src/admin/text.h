#pragma once
// Text output shared by the Prometheus and JSON writers: numbers without allocation and
// UTF-8 clean-up. Tool names come from clients; a single invalid byte in a label value makes
// Prometheus reject the whole scrape, so invalid sequences become U+FFFD instead.

#include <cstdint>
#include <string>
#include <string_view>

namespace mcplb::admin {

/// Length of the valid UTF-8 sequence starting at s[0] (1..4), or 0 when s[0] does not start
/// one (stray continuation byte, overlong form, surrogate, > U+10FFFF, truncated).
size_t utf8_sequence_length(std::string_view s);

/// Appends `s`, with every invalid UTF-8 sequence replaced by U+FFFD and each byte for which
/// escape(byte, out) returns true written by that function instead.
template <class Escape>
void append_escaped(std::string& out, std::string_view s, Escape&& escape) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (!escape(static_cast<char>(c), out)) {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    const size_t n = utf8_sequence_length(s.substr(i));
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
}

void append_int(std::string& out, int64_t v);
void append_uint(std::string& out, uint64_t v);
/// Shortest round-trip decimal; NaN and infinities as Prometheus spells them.
void append_double(std::string& out, double v);

}  // namespace mcplb::admin
