#pragma once
// The process_* metrics, read from /proc/self with stack buffers (no allocation).

#include <cstdint>

namespace mcplb::admin {

struct ProcessStats {
  double cpu_seconds = 0;          // user + system
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;            // RLIMIT_NOFILE soft limit
  double start_time_seconds = 0;   // since the Unix epoch
};

/// Fills `out` from /proc/self/stat, /proc/self/fd and getrlimit. The start time is computed
/// on the first call (from /proc/stat btime) and remembered.
/// @return false when /proc/self/stat cannot be read or parsed (out is then left unchanged).
bool read_process_stats(ProcessStats& out);

}  // namespace mcplb::admin
