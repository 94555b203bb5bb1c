#pragma once
// The machinery every config section is read with. A section declares its keys on a
// MapReader (typed binders or handlers); run() walks the YAML map in file order, reports
// unknown keys (with did-you-mean), duplicate keys and missing required keys, and calls the
// binders, which check types and ranges. Adding a key to a module is one line where that
// module's section is read.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/diag.h"
#include "config/model.h"

namespace mcplb::config {

/// Collects diagnostics for one file. Bounded: after kMaxErrors errors the rest are counted,
/// not stored, so hostile input cannot produce unbounded output.
class Diagnostics {
 public:
  static constexpr size_t kMaxErrors = 100;

  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Mark& at, std::string message);
  void warning(const YAML::Mark& at, std::string message);
  /// A position as stored in the model (for messages produced after loading).
  Mark mark(const YAML::Mark& at) const;
  bool has_errors() const { return !errors_.empty(); }
  const std::string& file() const { return file_; }

  /// Sorted by position; appends "N more errors not shown" when errors were dropped.
  std::vector<Diag> take_errors();
  std::vector<Diag> take_warnings();

 private:
  Diag make(const YAML::Mark& at, std::string message) const;

  std::string file_;
  std::vector<Diag> errors_;
  std::vector<Diag> warnings_;
  size_t dropped_ = 0;
};

/// A model Mark (1-based) back as a yaml-cpp Mark (0-based), to report against it.
YAML::Mark yaml_mark(const Mark& m);

/// "1:5" (1-based) for "first at ..." notes.
std::string pos_str(const YAML::Mark& m);
std::string pos_str(const Mark& m);

/// "a map", "a list", "'text'", "nothing" — how a node is described after "got".
std::string describe(const YAML::Node& n);

/// 'text' for messages: at most `max` characters (then "..."), control and non-ASCII bytes
/// as \xNN, so every diagnostic stays one printable line whatever the input. File paths pass
/// kMaxQuotedPath: a cut path is useless in "cannot read" messages.
std::string quote(std::string_view text, size_t max = 64);
inline constexpr size_t kMaxQuotedPath = 4096;

/// "16k", "64m", "1g" when exact, else the byte count.
std::string format_size(uint64_t bytes);

/// Scalar readers: each returns nullopt after reporting an error at the node's position.
/// `path` is the dotted key path used in messages, e.g. "client.header_timeout".
struct Reader {
  Diagnostics& diag;
  /// Where to report a null value: a missing value's own mark is the start of the next line,
  /// so a MapReader points at the key instead.
  YAML::Mark null_at = YAML::Mark::null_mark();

  YAML::Mark at(const YAML::Node& n) const;

  std::optional<std::string> string(const YAML::Node& n, std::string_view path) const;
  std::optional<uint64_t> integer(const YAML::Node& n, std::string_view path, uint64_t min,
                                  uint64_t max) const;
  std::optional<bool> boolean(const YAML::Node& n, std::string_view path) const;
  /// A number as people write one by hand: digits, optionally '.' and digits ("2", "1.25",
  /// "0"). Signs, exponents, a bare ".5" or "1.", inf and nan are refused. A value too large
  /// for a double reads as infinity and a positive one too small as the smallest double, for
  /// the caller's range check.
  std::optional<double> decimal(const YAML::Node& n, std::string_view path) const;
  std::optional<Duration> duration(const YAML::Node& n, std::string_view path, Duration min,
                                   Duration max) const;
  std::optional<uint64_t> size(const YAML::Node& n, std::string_view path, uint64_t min,
                               uint64_t max) const;
  std::optional<Address> address(const YAML::Node& n, std::string_view path,
                                 bool allow_port_zero) const;
  /// One of `allowed`; otherwise "unknown <what> 'x' (did you mean 'y'?)".
  std::optional<std::string> one_of(const YAML::Node& n, std::string_view path,
                                    std::string_view what,
                                    std::span<const std::string_view> allowed) const;
  /// True if n is a list (a null node counts as an empty list); else reports.
  bool list(const YAML::Node& n, std::string_view path) const;
};

inline constexpr Duration kMaxDuration = std::chrono::hours(24 * 365);

class MapReader {
 public:
  /// value, key
  using Handler = std::function<void(const YAML::Node&, const YAML::Node&)>;

  /// `path` names the map in messages ("root", "client", "pools.mcp"). A null node reads as
  /// an empty map, so a section whose keys are all commented out is just defaults; then
  /// `null_at` (the key's mark) is where missing required keys are reported.
  MapReader(Diagnostics& diag, YAML::Node node, std::string path,
            YAML::Mark null_at = YAML::Mark::null_mark());

  // Binders capture `this`: a MapReader stays where it was declared until run() returns.
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  MapReader& on(std::string_view key, Handler handler);
  MapReader& required(std::string_view key);

  MapReader& string(std::string_view key, std::string& out);
  MapReader& boolean(std::string_view key, bool& out);
  MapReader& duration(std::string_view key, Duration& out, Duration min = Duration(0),
                      Duration max = kMaxDuration);
  MapReader& address(std::string_view key, Address& out, bool allow_port_zero);
  template <class T>
  MapReader& integer(std::string_view key, T& out, uint64_t min,
                     uint64_t max = std::numeric_limits<T>::max()) {
    return on(key,
              [this, k = std::string(key), &out, min, max](const YAML::Node& v, const YAML::Node&) {
                if (auto x = reader().integer(v, child(k), min, max)) {
                  out = static_cast<T>(*x);
                }
              });
  }
  template <class T>
  MapReader& size(std::string_view key, T& out, uint64_t min,
                  uint64_t max = std::numeric_limits<T>::max()) {
    return on(key,
              [this, k = std::string(key), &out, min, max](const YAML::Node& v, const YAML::Node&) {
                if (auto x = reader().size(v, child(k), min, max)) {
                  out = static_cast<T>(*x);
                }
              });
  }
  /// A nested section; `read` declares its keys (run() is called for it).
  MapReader& section(std::string_view key, std::function<void(MapReader&)> read);

  /// Walks the map. Returns false (after reporting) when the node is not a map.
  bool run();

  const std::string& path() const { return path_; }
  /// "client" + "idle_timeout" -> "client.idle_timeout"; the root's children have no prefix.
  std::string child(std::string_view key) const;
  const YAML::Node& node() const { return node_; }
  Diagnostics& diag() const { return diag_; }
  Reader reader() const { return Reader{diag_, key_mark_}; }

 private:
  struct Entry {
    std::string key;
    Handler handler;
    bool required = false;
  };
  Entry& entry(std::string_view key);

  Diagnostics& diag_;
  YAML::Node node_;
  std::string path_;
  YAML::Mark null_at_;
  std::vector<Entry> entries_;
  YAML::Mark key_mark_ = YAML::Mark::null_mark();  // key of the entry being read
};

}  // namespace mcplb::config
