#pragma once
// Prometheus text exposition format 0.0.4, appended to a caller-owned buffer. The caller
// reuses the buffer between scrapes (clear() keeps its capacity), so a warmed-up scrape
// allocates nothing here.
//
// A family's HELP/TYPE lines are written with its first sample: a family without samples
// (no tools called yet, no health checker) produces no lines at all. All samples of a family
// must be written before the next family() (the format requires them to be contiguous).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace mcplb::admin {

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct Label {
  std::string_view name;   // a valid label name (callers pass constants)
  std::string_view value;  // any bytes: escaped, invalid UTF-8 replaced by U+FFFD
};

class Exposition {
 public:
  enum class Type : uint8_t { counter, gauge, histogram };

  explicit Exposition(std::string& out) : out_(out) {}

  /// Starts a family. `name` must be a valid metric name (counters end in _total); `help` is
  /// escaped.
  void family(std::string_view name, Type type, std::string_view help);

  /// One sample of the current family: name{labels} value.
  void sample(std::initializer_list<Label> labels, uint64_t value);
  void sample(std::initializer_list<Label> labels, int64_t value);
  void sample(std::initializer_list<Label> labels, double value);
  /// A sample named after the family plus `suffix` (a histogram's _bucket, _sum, _count).
  void sample(std::string_view suffix, std::initializer_list<Label> labels, uint64_t value);
  void sample(std::string_view suffix, std::initializer_list<Label> labels, double value);

  /// Label value escaping of the format: backslash, double quote and line feed.
  static void append_label_value(std::string& out, std::string_view v);
  /// HELP text escaping: backslash and line feed.
  static void append_help(std::string& out, std::string_view v);

 private:
  void begin_sample(std::initializer_list<Label> labels, std::string_view suffix = {});

  std::string& out_;
  std::string_view name_;
  std::string_view help_;
  Type type_ = Type::gauge;
  bool header_pending_ = false;
};

}  // namespace mcplb::admin
