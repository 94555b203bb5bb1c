// Files a config names (session keys, JWT keys): where a relative path points and whether the
// file can be read now, so `mcplb check` catches a wrong path before `mcplb run` does.

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/sections.h"

namespace mcplb::config {
namespace {

// Checks that `path` names a readable regular file, without reading it (the module that uses
// the key parses it). Non-regular files are refused before open(): opening a device can have
// effects.
// @return an empty string, or what is wrong ("No such file or directory").
std::string check_readable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::strerror(errno);
  }
  if (S_ISDIR(st.st_mode)) {
    return std::strerror(EISDIR);
  }
  if (!S_ISREG(st.st_mode)) {
    return "not a regular file";
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return std::strerror(errno);
  }
  ::close(fd);
  return {};
}

}  // namespace

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::optional<std::string> read_key_file(Diagnostics& diag, const Reader& r, const YAML::Node& v,
                                         const std::string& path, std::string_view what) {
  auto s = r.string(v, path);
  if (!s) {
    return std::nullopt;
  }
  if (s->empty()) {
    diag.error(v.Mark(), fmt::format("'{}' must not be empty", path));
    return std::nullopt;
  }
  if (has_control(*s)) {
    diag.error(v.Mark(), fmt::format("'{}' must not contain control characters, got {}", path,
                                     quote(*s)));
    return std::nullopt;
  }
  std::string file = resolve_path(diag.file(), *s);
  if (std::string err = check_readable(file); !err.empty()) {
    diag.error(v.Mark(),
               fmt::format("cannot read {} {}: {}", what, quote(file, kMaxQuotedPath), err));
    return std::nullopt;
  }
  return file;
}

std::string resolve_path(const std::string& config_file, const std::string& path) {
  size_t slash = config_file.rfind('/');
  if (path.starts_with('/') || slash == std::string::npos) {
    return path;
  }
  return config_file.substr(0, slash + 1) + path;
}

}  // namespace mcplb::config
