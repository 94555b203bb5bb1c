#pragma once
// The access log: one JSON line per request (config `access_log`). One AccessLog per process
// owns the descriptor; each worker has an AccessLogWriter that formats into its own reusable
// buffer (no allocation per line once warm) and writes the line with one write(2) on an
// O_APPEND descriptor, so lines from different workers never interleave (a line stays whole
// below PIPE_BUF on pipes too).
//
// SIGUSR1 (logrotate) calls reopen(): the file is opened again by name and dup3()'d onto the
// descriptor the workers write to. The swap is atomic: a write in progress finishes on the
// old file, every later one goes to the new file, no worker ever sees a closed descriptor.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/request_record.h"

namespace mcplb::proxy {

class AccessLog {
 public:
  /// "stdout", "stderr", or a file path (created 0644 when missing, appended to).
  /// @return nullptr with `err` set when the file cannot be opened.
  static std::unique_ptr<AccessLog> open(const std::string& path, std::string& err);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  /// Any thread: one write(2) of the whole line (a short write is completed, EINTR retried).
  /// A line that cannot be written is dropped and counted.
  void write(std::string_view line) const;
  /// Opens the file again by name onto the same descriptor (after a rename by logrotate).
  /// No-op for stdout/stderr. Control thread only. @return false with `err` set (the old
  /// file stays in use).
  bool reopen(std::string& err);

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  bool is_file() const { return owned_; }
  /// Lines dropped because write(2) failed.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  AccessLog(std::string path, int fd, bool owned)
      : path_(std::move(path)), fd_(fd), owned_(owned) {}

  std::string path_;
  int fd_;
  bool owned_;  // a file we opened (closed in the destructor, reopened on SIGUSR1)
  mutable std::atomic<uint64_t> dropped_{0};
  mutable std::atomic<bool> warned_{false};
};

/// What one line says. Empty strings are written as null (pool, backend, method, mcp_method,
/// tool, client); session_hash 0 as null.
struct AccessEntry {
  int64_t unix_ns = 0;  // when the request head was complete (wall clock)
  std::string_view client;
  std::string_view pool;
  std::string_view backend;
  std::string_view method;      // HTTP verb
  std::string_view mcp_method;  // one of McpCounters::kMethods
  std::string_view tool;
  unsigned status = 0;
  Origin origin = Origin::none;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  int64_t duration_ns = 0;
  uint64_t session_hash = 0;
  unsigned retries = 0;
  bool failover = false;
};

/// One worker's formatter: reusable line buffer, and the date text of the last second seen
/// (formatted again only when the second changes).
class AccessLogWriter {
 public:
  AccessLogWriter();

  /// The line for `e`, newline included; valid until the next call.
  std::string_view format(const AccessEntry& e);
  /// format() then one write to `log`.
  void write(const AccessLog& log, const AccessEntry& e) { log.write(format(e)); }

  /// JSON string contents (no quotes): ", \ and control characters escaped, invalid UTF-8
  /// replaced by U+FFFD.
  static void append_json_escaped(std::string& out, std::string_view s);
  /// "2024-05-01T12:34:56.789Z" for a Unix time in nanoseconds (truncated to ms).
  void append_time(std::string& out, int64_t unix_ns);

 private:
  char* put_time(char* p, int64_t unix_ns);  // the same 24 bytes at p

  std::string buf_;  // sized for the longest line so far; format() writes into it
  int64_t cached_sec_ = INT64_MIN;
  char sec_text_[20] = {};  // "YYYY-MM-DDTHH:MM:SS"
};

}  // namespace mcplb::proxy
