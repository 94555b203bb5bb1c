#include "admin/process_stats.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

namespace mcplb::admin {

namespace {

/// Reads a small /proc file into buf (NUL-terminated); @return bytes read, 0 on failure.
size_t read_small(const char* path, char* buf, size_t cap) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return 0;
  }
  size_t n = 0;
  while (n + 1 < cap) {
    ssize_t r = ::read(fd, buf + n, cap - 1 - n);
    if (r <= 0) {
      break;
    }
    n += static_cast<size_t>(r);
  }
  ::close(fd);
  buf[n] = '\0';
  return n;
}

/// Seconds since the epoch at boot ("btime" in /proc/stat); 0 if unknown. Read once.
uint64_t boot_time() {
  static const uint64_t btime = [] {
    std::ifstream in("/proc/stat");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("btime ", 0) == 0) {
        return static_cast<uint64_t>(std::strtoull(line.c_str() + 6, nullptr, 10));
      }
    }
    return uint64_t{0};
  }();
  return btime;
}

uint64_t count_open_fds() {
  int fd = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return 0;
  }
  alignas(8) char buf[4096];
  uint64_t n = 0;
  for (;;) {
    long got = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (got <= 0) {
      break;
    }
    for (long off = 0; off < got;) {
      // struct linux_dirent64: d_ino(8) d_off(8) d_reclen(2) d_type(1) d_name[]
      unsigned short reclen;
      std::memcpy(&reclen, buf + off + 16, sizeof reclen);
      const char* name = buf + off + 19;
      if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) {
        ++n;
      }
      off += reclen;
    }
  }
  ::close(fd);
  return n > 0 ? n - 1 : 0;  // not the directory descriptor opened just now
}

}  // namespace

bool read_process_stats(ProcessStats& out) {
  char buf[1024];
  size_t len = read_small("/proc/self/stat", buf, sizeof buf);
  if (len == 0) {
    return false;
  }
  // comm (field 2) may contain spaces and ')': the other fields start after the LAST ')'.
  std::string_view s(buf, len);
  size_t close = s.rfind(')');
  if (close == std::string_view::npos || close + 2 > s.size()) {
    return false;
  }
  // fields[0] is field 3 (state) of proc(5).
  uint64_t fields[22] = {};
  const char* p = buf + close + 2;
  for (size_t i = 0; i < 22; ++i) {
    while (*p == ' ') {
      ++p;
    }
    if (*p == '\0') {
      return false;
    }
    fields[i] = i == 0 ? 0 : std::strtoull(p, nullptr, 10);
    while (*p != ' ' && *p != '\0') {
      ++p;
    }
  }
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  out.cpu_seconds = static_cast<double>(fields[11] + fields[12]) / tick;  // utime + stime
  out.virtual_bytes = fields[20];
  out.resident_bytes = fields[21] * page;
  if (uint64_t bt = boot_time(); bt != 0) {
    out.start_time_seconds = static_cast<double>(bt) + static_cast<double>(fields[19]) / tick;
  }
  out.open_fds = count_open_fds();
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    out.max_fds = rl.rlim_cur == RLIM_INFINITY ? 0 : rl.rlim_cur;
  }
  return true;
}

}  // namespace mcplb::admin
