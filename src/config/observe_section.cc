// access_log: and metrics: — what mcplb records about each request it serves.

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "config/sections.h"

namespace mcplb::config {
namespace {

// What stops mcplb from appending to `file` later, checked without creating or opening it
// (`mcplb check` must not touch the log): a directory, or a missing parent directory.
// @return "" or the reason.
std::string check_log_path(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "";
  }
  if (errno != ENOENT) {
    return std::strerror(errno);
  }
  size_t slash = file.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : file.substr(0, slash);
  if (::stat(dir.c_str(), &st) != 0) {
    return fmt::format("directory {}: {}", quote(dir, kMaxQuotedPath), std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return fmt::format("{} is not a directory", quote(dir, kMaxQuotedPath));
  }
  return "";
}

// stdout, stderr, or a file path (resolved). nullopt after reporting.
std::optional<std::string> read_log_path(Diagnostics& diag, const Reader& r, const YAML::Node& v,
                                         const std::string& path) {
  auto s = r.string(v, path);
  if (!s) {
    return std::nullopt;
  }
  if (s->empty()) {
    diag.error(r.at(v), fmt::format("'{}' must not be empty (stdout, stderr or a file)", path));
    return std::nullopt;
  }
  if (has_control(*s)) {
    diag.error(v.Mark(), fmt::format("'{}' must not contain control characters, got {}", path,
                                     quote(*s)));
    return std::nullopt;
  }
  if (*s == "stdout" || *s == "stderr") {
    return s;
  }
  std::string file = resolve_path(diag.file(), *s);
  if (std::string err = check_log_path(file); !err.empty()) {
    diag.error(v.Mark(), fmt::format("cannot write access log {}: {}",
                                     quote(file, kMaxQuotedPath), err));
    return std::nullopt;
  }
  return file;
}

bool is_boolean_text(const std::string& s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" ||
         s == "FALSE";
}

}  // namespace

void read_access_log(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                     AccessLog& out) {
  out.mark = diag.mark(key.Mark());
  Reader r{diag, key.Mark()};
  if (value.IsScalar()) {
    // Shorthand: `access_log: stdout`, `access_log: /var/log/mcplb/access.log`, or a boolean.
    if (is_boolean_text(value.Scalar())) {
      if (auto on = r.boolean(value, "access_log")) {
        out.enabled = *on;
      }
      return;
    }
    if (auto p = read_log_path(diag, r, value, "access_log")) {
      out.enabled = true;
      out.path = std::move(*p);
    }
    return;
  }
  if (!value.IsMap() && !value.IsNull()) {
    diag.error(value.Mark(), fmt::format("expected a path or a map for 'access_log', got {}",
                                         describe(value)));
    return;
  }
  // A map (or nothing: `access_log:` alone) turns it on unless it says enabled: false.
  bool enabled = true;
  MapReader m(diag, value, "access_log", key.Mark());
  m.boolean("enabled", enabled).on("path", [&](const YAML::Node& v, const YAML::Node&) {
    if (auto p = read_log_path(diag, m.reader(), v, m.child("path"))) {
      out.path = std::move(*p);
    }
  });
  m.run();
  out.enabled = enabled;
}

void read_metrics(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                  Metrics& out) {
  MapReader m(diag, value, "metrics", key.Mark());
  m.boolean("requests", out.requests);
  m.run();
}

}  // namespace mcplb::config
