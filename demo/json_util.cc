#include "json_util.h"

#include <array>
#include <cstdint>

namespace mcplb::demo {

void append_json_string(Out& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of characters that need no escaping
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      continue;
    }
    append(out, s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"': append(out, "\\\""); break;
      case '\\': append(out, "\\\\"); break;
      case '\n': append(out, "\\n"); break;
      case '\r': append(out, "\\r"); break;
      case '\t': append(out, "\\t"); break;
      case '\b': append(out, "\\b"); break;
      case '\f': append(out, "\\f"); break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, esc + sizeof esc);
      }
    }
  }
  append(out, s.substr(run));
  out.push_back('"');
}

std::string json_quote(std::string_view s) {
  Out out;
  append_json_string(out, s);
  return fmt::to_string(out);
}

std::optional<std::string> base64_decode(std::string_view in) {
  static constexpr auto kTable = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    }
    return t;
  }();
  while (!in.empty() && in.back() == '=') {
    in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    const int v = kTable[static_cast<unsigned char>(ch)];
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::optional<std::string> decode_mcp_header_value(std::string_view value) {
  constexpr std::string_view prefix = "=?base64?";
  constexpr std::string_view suffix = "?=";
  if (value.size() >= prefix.size() + suffix.size() && value.starts_with(prefix) &&
      value.ends_with(suffix)) {
    return base64_decode(value.substr(prefix.size(), value.size() - prefix.size() - suffix.size()));
  }
  return std::string(value);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool header_lists(std::string_view header_value, std::string_view token) {
  while (!header_value.empty()) {
    const auto comma = header_value.find(',');
    std::string_view item = header_value.substr(0, comma);
    header_value =
        comma == std::string_view::npos ? std::string_view{} : header_value.substr(comma + 1);
    item = trim(item.substr(0, item.find(';')));  // drop parameters such as q=0.9
    if (item.size() == token.size()) {
      bool same = true;
      for (std::size_t i = 0; i < item.size() && same; ++i) {
        same = (item[i] | 0x20) == (token[i] | 0x20);
      }
      if (same) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace mcplb::demo
