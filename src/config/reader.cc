#include "config/reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "config/load.h"
#include "config/suggest.h"

namespace mcplb::config {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Diag Diagnostics::make(const YAML::Mark& at, std::string message) const {
  if (at.is_null() || at.line < 0) {
    return Diag{file_, 0, 0, std::move(message)};
  }
  return Diag{file_, at.line + 1, at.column + 1, std::move(message)};
}

void Diagnostics::error(const YAML::Mark& at, std::string message) {
  if (errors_.size() >= kMaxErrors) {
    ++dropped_;
    return;
  }
  errors_.push_back(make(at, std::move(message)));
}

void Diagnostics::warning(const YAML::Mark& at, std::string message) {
  if (warnings_.size() < kMaxErrors) {
    warnings_.push_back(make(at, std::move(message)));
  }
}

Mark Diagnostics::mark(const YAML::Mark& at) const {
  Diag d = make(at, {});
  return Mark{file_, d.line, d.col};
}

static void sort_by_position(std::vector<Diag>& v) {
  std::stable_sort(v.begin(), v.end(), [](const Diag& a, const Diag& b) {
    return a.line != b.line ? a.line < b.line : a.col < b.col;
  });
}

std::vector<Diag> Diagnostics::take_errors() {
  sort_by_position(errors_);
  if (dropped_ > 0) {
    errors_.push_back(Diag{file_, 0, 0, fmt::format("{} more errors not shown", dropped_)});
    dropped_ = 0;
  }
  return std::move(errors_);
}

std::vector<Diag> Diagnostics::take_warnings() {
  sort_by_position(warnings_);
  return std::move(warnings_);
}

YAML::Mark yaml_mark(const Mark& m) {
  if (m.line <= 0) {
    return YAML::Mark::null_mark();
  }
  YAML::Mark y;
  y.line = m.line - 1;
  y.column = m.col - 1;
  return y;
}

std::string pos_str(const YAML::Mark& m) { return fmt::format("{}:{}", m.line + 1, m.column + 1); }
std::string pos_str(const Mark& m) { return fmt::format("{}:{}", m.line, m.col); }

std::string quote(std::string_view text, size_t max) {
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max) {
    out += "...";
  }
  out += "'";
  return out;
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return quote(n.Scalar());
    default:
      return "nothing";
  }
}

std::string format_size(uint64_t bytes) {
  if (bytes != 0) {
    if (bytes % (1ull << 30) == 0) {
      return fmt::format("{}g", bytes >> 30);
    }
    if (bytes % (1ull << 20) == 0) {
      return fmt::format("{}m", bytes >> 20);
    }
    if (bytes % (1ull << 10) == 0) {
      return fmt::format("{}k", bytes >> 10);
    }
  }
  return fmt::format("{}", bytes);
}

// ---- Reader ----

YAML::Mark Reader::at(const YAML::Node& n) const {
  return n.IsNull() && !null_at.is_null() ? null_at : n.Mark();
}

std::optional<std::string> Reader::string(const YAML::Node& n, std::string_view path) const {
  if (!n.IsScalar()) {
    diag.error(at(n), fmt::format("expected a string for '{}', got {}", path, describe(n)));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<uint64_t> Reader::integer(const YAML::Node& n, std::string_view path, uint64_t min,
                                        uint64_t max) const {
  std::string_view s = n.IsScalar() ? std::string_view(n.Scalar()) : std::string_view();
  bool negative = s.starts_with('-') && all_digits(s.substr(1));
  if (!all_digits(s) && !negative) {
    diag.error(at(n), fmt::format("expected an integer for '{}', got {}", path, describe(n)));
    return std::nullopt;
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (negative || ec != std::errc() || v < min || v > max) {
    diag.error(at(n), fmt::format("'{}' must be between {} and {}, got {}", path, min, max, s));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::boolean(const YAML::Node& n, std::string_view path) const {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      return false;
    }
  }
  diag.error(at(n),
             fmt::format("expected a boolean (true or false) for '{}', got {}", path, describe(n)));
  return std::nullopt;
}

std::optional<double> Reader::decimal(const YAML::Node& n, std::string_view path) const {
  std::string_view s = n.IsScalar() ? std::string_view(n.Scalar()) : std::string_view();
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  if (!all_digits(whole) || (dot != s.npos && !all_digits(s.substr(dot + 1)))) {
    diag.error(at(n), fmt::format("expected a number for '{}', got {}", path, describe(n)));
    return std::nullopt;
  }
  double f = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), f);
  if (ec == std::errc::result_out_of_range) {
    // Only digits were given, so this is overflow (a non-zero whole part) or underflow. An
    // underflow stays above 0, so that a range check still sees "more than 0".
    bool large = std::any_of(whole.begin(), whole.end(), [](char c) { return c != '0'; });
    return large ? std::numeric_limits<double>::infinity()
                 : std::numeric_limits<double>::denorm_min();
  }
  if (ec != std::errc() || end != s.data() + s.size()) {
    diag.error(at(n), fmt::format("expected a number for '{}', got {}", path, describe(n)));
    return std::nullopt;
  }
  return f;
}

std::optional<Duration> Reader::duration(const YAML::Node& n, std::string_view path, Duration min,
                                         Duration max) const {
  if (!n.IsScalar()) {
    diag.error(at(n), fmt::format("expected a duration for '{}', got {}", path, describe(n)));
    return std::nullopt;
  }
  auto d = parse_duration(n.Scalar());
  if (!d) {
    diag.error(at(n), fmt::format("{} is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)",
                                  quote(n.Scalar())));
    return std::nullopt;
  }
  if (*d < min) {
    diag.error(at(n), fmt::format("'{}' must be at least {}, got {}", path, format_duration(min),
                                  format_duration(*d)));
    return std::nullopt;
  }
  if (*d > max) {
    diag.error(at(n), fmt::format("'{}' must be at most {}, got {}", path, format_duration(max),
                                  format_duration(*d)));
    return std::nullopt;
  }
  return d;
}

std::optional<uint64_t> Reader::size(const YAML::Node& n, std::string_view path, uint64_t min,
                                     uint64_t max) const {
  if (!n.IsScalar()) {
    diag.error(at(n), fmt::format("expected a size for '{}', got {}", path, describe(n)));
    return std::nullopt;
  }
  auto v = parse_size(n.Scalar());
  if (!v) {
    diag.error(at(n), fmt::format("{} is not a valid size (use e.g. 512, 16k, 64m, 1g)",
                                  quote(n.Scalar())));
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    diag.error(at(n), fmt::format("'{}' must be between {} and {}, got {}", path, format_size(min),
                                  format_size(max), format_size(*v)));
    return std::nullopt;
  }
  return v;
}

std::optional<Address> Reader::address(const YAML::Node& n, std::string_view path,
                                       bool allow_port_zero) const {
  if (!n.IsScalar()) {
    diag.error(at(n), fmt::format("expected an address for '{}', got {}", path, describe(n)));
    return std::nullopt;
  }
  auto a = parse_address(n.Scalar());
  if (!a) {
    diag.error(at(n), fmt::format("{} is not a valid address (expected IP:PORT or [IPv6]:PORT)",
                                  quote(n.Scalar())));
    return std::nullopt;
  }
  if (a->port == 0 && !allow_port_zero) {
    diag.error(at(n), fmt::format("port 0 is not allowed for '{}'", path));
    return std::nullopt;
  }
  return a;
}

std::optional<std::string> Reader::one_of(const YAML::Node& n, std::string_view path,
                                          std::string_view what,
                                          std::span<const std::string_view> allowed) const {
  auto s = string(n, path);
  if (!s) {
    return std::nullopt;
  }
  if (std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) {
    return s;
  }
  std::string hint = did_you_mean(*s, allowed);
  if (hint.empty()) {
    hint = fmt::format(" (expected one of: {})", fmt::join(allowed, ", "));
  }
  diag.error(at(n), fmt::format("unknown {} {}{}", what, quote(*s), hint));
  return std::nullopt;
}

bool Reader::list(const YAML::Node& n, std::string_view path) const {
  if (n.IsSequence() || n.IsNull()) {
    return true;
  }
  diag.error(at(n), fmt::format("expected a list for '{}', got {}", path, describe(n)));
  return false;
}

// ---- MapReader ----

MapReader::MapReader(Diagnostics& diag, YAML::Node node, std::string path, YAML::Mark null_at)
    : diag_(diag), node_(std::move(node)), path_(std::move(path)), null_at_(null_at) {}

MapReader::Entry& MapReader::entry(std::string_view key) {
  for (auto& e : entries_) {
    if (e.key == key) {
      return e;
    }
  }
  entries_.push_back(Entry{std::string(key), nullptr, false});
  return entries_.back();
}

MapReader& MapReader::on(std::string_view key, Handler handler) {
  entry(key).handler = std::move(handler);
  return *this;
}

MapReader& MapReader::required(std::string_view key) {
  entry(key).required = true;
  return *this;
}

std::string MapReader::child(std::string_view key) const {
  return path_ == "root" ? std::string(key) : fmt::format("{}.{}", path_, key);
}

MapReader& MapReader::string(std::string_view key, std::string& out) {
  return on(key, [this, k = std::string(key), &out](const YAML::Node& v, const YAML::Node&) {
    if (auto x = reader().string(v, child(k))) {
      out = std::move(*x);
    }
  });
}

MapReader& MapReader::boolean(std::string_view key, bool& out) {
  return on(key, [this, k = std::string(key), &out](const YAML::Node& v, const YAML::Node&) {
    if (auto x = reader().boolean(v, child(k))) {
      out = *x;
    }
  });
}

MapReader& MapReader::duration(std::string_view key, Duration& out, Duration min, Duration max) {
  return on(key,
            [this, k = std::string(key), &out, min, max](const YAML::Node& v, const YAML::Node&) {
              if (auto x = reader().duration(v, child(k), min, max)) {
                out = *x;
              }
            });
}

MapReader& MapReader::address(std::string_view key, Address& out, bool allow_port_zero) {
  return on(key, [this, k = std::string(key), &out, allow_port_zero](const YAML::Node& v,
                                                                     const YAML::Node&) {
    if (auto x = reader().address(v, child(k), allow_port_zero)) {
      out = std::move(*x);
    }
  });
}

MapReader& MapReader::section(std::string_view key, std::function<void(MapReader&)> read) {
  return on(key, [this, k = std::string(key), read = std::move(read)](const YAML::Node& v,
                                                                      const YAML::Node& key_node) {
    MapReader sub(diag_, v, child(k), key_node.Mark());
    read(sub);
    sub.run();
  });
}

bool MapReader::run() {
  if (!node_.IsMap() && !node_.IsNull()) {
    Reader r{diag_, null_at_};
    diag_.error(r.at(node_),
                fmt::format("expected a map for '{}', got {}", path_, describe(node_)));
    return false;
  }
  std::vector<std::string_view> known;
  known.reserve(entries_.size());
  for (const auto& e : entries_) {
    known.push_back(e.key);
  }
  std::vector<YAML::Mark> seen(entries_.size(), YAML::Mark::null_mark());
  if (node_.IsMap()) {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const YAML::Node key = it->first;  // copies: it-> points into a temporary
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        diag_.error(key.Mark(),
                    fmt::format("expected a string key in '{}', got {}", path_, describe(key)));
        continue;
      }
      const std::string& name = key.Scalar();
      auto pos = std::find(known.begin(), known.end(), name);
      if (pos == known.end()) {
        diag_.error(key.Mark(), fmt::format("unknown key {} in '{}'{}", quote(name), path_,
                                            did_you_mean(name, known)));
        continue;
      }
      size_t i = static_cast<size_t>(pos - known.begin());
      if (!seen[i].is_null()) {
        diag_.error(key.Mark(), fmt::format("duplicate key {} in '{}' (first at {})", quote(name),
                                            path_, pos_str(seen[i])));
        continue;
      }
      seen[i] = key.Mark();
      if (entries_[i].handler) {
        key_mark_ = key.Mark();
        entries_[i].handler(value, key);
        key_mark_ = YAML::Mark::null_mark();
      }
    }
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].required && seen[i].is_null()) {
      Reader r{diag_, null_at_};
      diag_.error(r.at(node_),
                  fmt::format("missing required key '{}' in '{}'", entries_[i].key, path_));
    }
  }
  return true;
}

}  // namespace mcplb::config
