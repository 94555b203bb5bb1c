#pragma once
// Loading mcplb.yaml: yaml-cpp parse + strict validation into the plain model (model.h).
// Every problem is reported in one pass with its file:line:col; nothing throws.
// Key reference: docs/config.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diag.h"
#include "config/model.h"

namespace mcplb::config {

struct LoadResult {
  std::optional<Config> config;  // set exactly when there are no errors
  std::vector<Diag> errors;      // sorted by position
  std::vector<Diag> warnings;    // sorted by position; never block loading
  bool ok() const { return errors.empty() && config.has_value(); }
};

/// Reads and loads a file. Unreadable -> one Diag "path:0:0: cannot read: <strerror>".
/// Relative secret_file paths are taken relative to the file's directory.
/// Thread: any; safe on a 128 KiB stack (nesting is bounded before yaml-cpp recurses).
LoadResult load_file(const std::string& path);

/// Loads YAML text; file_name is used in diagnostics and Config::source, and its directory
/// is where a relative `session.keys[].secret_file` is looked for (none: the working
/// directory). Key files are checked for readability, not read.
LoadResult load_string(std::string_view yaml, const std::string& file_name);

/// "250ms", "30s", "5m", "1h", "1h30m", "0s": components of <digits><unit>, unit one of
/// h, m, s, ms, each at most once and largest first. Bare numbers are rejected.
std::optional<Duration> parse_duration(std::string_view s);

/// "127.0.0.1:8080", "[::1]:9000", "localhost:80" (-> 127.0.0.1). Port 0 is accepted here;
/// callers decide whether it is allowed. The host is stored in canonical numeric form.
std::optional<Address> parse_address(std::string_view s);

/// Plain byte count, or <digits> with k/KiB, m/MiB, g/GiB (powers of 1024, case-insensitive).
std::optional<uint64_t> parse_size(std::string_view s);

/// Shortest text parse_duration() reads back: "1h30m", "250ms", "0s".
std::string format_duration(Duration d);

/// What an empty configuration means: one listener on 127.0.0.1:8080, no pools.
Config default_config();

}  // namespace mcplb::config
