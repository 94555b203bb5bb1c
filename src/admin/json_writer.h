#pragma once
// A minimal streaming JSON writer for the admin API's responses (RFC 8259 output; strings
// escaped, invalid UTF-8 replaced by U+FFFD). Appends to a caller-owned buffer; commas are
// placed automatically. Nesting deeper than kMaxDepth is a programming error (ignored).

#include <cstdint>
#include <string>
#include <string_view>

namespace mcplb::admin {

class JsonWriter {
 public:
  static constexpr int kMaxDepth = 16;

  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// An object key; the next call writes its value.
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(uint32_t v) { return value(uint64_t{v}); }
  JsonWriter& value(int v) { return value(int64_t{v}); }
  JsonWriter& null();

  /// `"s"` with JSON escaping.
  static void append_string(std::string& out, std::string_view s);

 private:
  void before_value();

  std::string& out_;
  bool first_[kMaxDepth + 1] = {true};
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace mcplb::admin
