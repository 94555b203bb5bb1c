#include "proxy/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/log.h"

namespace mcplb::proxy {

namespace {

constexpr size_t kLineReserve = 1024;  // typical lines are 300-400 bytes

int open_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
}

// Length of the valid UTF-8 sequence at s[0] (2..4 bytes; s[0] >= 0x80), 0 when invalid
// (stray continuation, overlong form, surrogate, above U+10FFFF, truncated).
size_t utf8_length(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF) {
    return cont(1) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) {
      return 0;
    }
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)) {
      return 0;  // overlong, surrogate
    }
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) {
      return 0;
    }
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90)) {
      return 0;  // overlong, above U+10FFFF
    }
    return 4;
  }
  return 0;
}

void append_digits(char* at, unsigned v, int n) {
  for (int i = n - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// Howard Hinnant's days_from_civil inverse: days since 1970-01-01 to y/m/d (proleptic
// Gregorian), without the C library (gmtime_r takes a global lock in glibc).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

// Writers into a buffer known to be large enough (format() sizes it first).
template <size_t N>
char* put(char* p, const char (&lit)[N]) {
  std::memcpy(p, lit, N - 1);
  return p + N - 1;
}
char* put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}
template <class T>
char* put_number(char* p, T v) {
  return std::to_chars(p, p + 24, v).ptr;
}

// JSON string contents; at most 6 output bytes per input byte.
char* put_escaped(char* p, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < s.size()) {
    // The common case: a run of printable ASCII that needs nothing, copied at once.
    size_t j = i;
    while (j < s.size()) {
      const auto c = static_cast<unsigned char>(s[j]);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        break;
      }
      ++j;
    }
    p = put(p, s.substr(i, j - i));
    i = j;
    if (i == s.size()) {
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = utf8_length(s.substr(i));
      if (n == 0) {
        p = put(p, "\\ufffd");
        ++i;
      } else {
        p = put(p, s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': p = put(p, "\\\""); break;
      case '\\': p = put(p, "\\\\"); break;
      case '\n': p = put(p, "\\n"); break;
      case '\r': p = put(p, "\\r"); break;
      case '\t': p = put(p, "\\t"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        std::memcpy(p, esc, sizeof esc);
        p += sizeof esc;
      }
    }
    ++i;
  }
  return p;
}

// "text" or null.
char* put_string_or_null(char* p, std::string_view s) {
  if (s.empty()) {
    return put(p, "null");
  }
  *p++ = '"';
  p = put_escaped(p, s);
  *p++ = '"';
  return p;
}

const char* origin_name(Origin o) {
  switch (o) {
    case Origin::backend: return "backend";
    case Origin::mcplb: return "mcplb";
    case Origin::none: break;
  }
  return "none";
}

}  // namespace

// ---- AccessLog ----

std::unique_ptr<AccessLog> AccessLog::open(const std::string& path, std::string& err) {
  if (path == "stdout") {
    return std::unique_ptr<AccessLog>(new AccessLog(path, STDOUT_FILENO, false));
  }
  if (path == "stderr") {
    return std::unique_ptr<AccessLog>(new AccessLog(path, STDERR_FILENO, false));
  }
  int fd = open_append(path);
  if (fd < 0) {
    err = "access_log: cannot open '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<AccessLog>(new AccessLog(path, fd, true));
}

AccessLog::~AccessLog() {
  if (owned_) {
    ::close(fd_);
  }
}

void AccessLog::write(std::string_view line) const {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      if (!warned_.exchange(true, std::memory_order_relaxed)) {
        spdlog::warn("access_log {}: write failed: {} (lines are dropped; warning once)", path_,
                     n < 0 ? std::strerror(errno) : "nothing written");
      }
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

bool AccessLog::reopen(std::string& err) {
  if (!owned_) {
    return true;
  }
  int fd = open_append(path_);
  if (fd < 0) {
    err = "access_log: cannot reopen '" + path_ + "': " + std::strerror(errno);
    return false;
  }
  // Atomic replacement of the descriptor the workers use (dup2 would drop FD_CLOEXEC).
  int r = ::dup3(fd, fd_, O_CLOEXEC);
  int e = errno;
  ::close(fd);
  if (r < 0) {
    err = "access_log: cannot reopen '" + path_ + "': " + std::strerror(e);
    return false;
  }
  warned_.store(false, std::memory_order_relaxed);
  return true;
}

// ---- AccessLogWriter ----

AccessLogWriter::AccessLogWriter() { buf_.resize(kLineReserve); }

void AccessLogWriter::append_json_escaped(std::string& out, std::string_view s) {
  const size_t at = out.size();
  out.resize(at + 6 * s.size());
  char* end = put_escaped(out.data() + at, s);
  out.resize(static_cast<size_t>(end - out.data()));
}

char* AccessLogWriter::put_time(char* p, int64_t unix_ns) {
  int64_t ms = unix_ns >= 0 ? unix_ns / 1'000'000 : (unix_ns - 999'999) / 1'000'000;
  int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const auto milli = static_cast<unsigned>(ms - sec * 1000);
  if (sec != cached_sec_) {
    int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
    const auto tod = static_cast<unsigned>(sec - days * 86400);
    int64_t y = 0;
    unsigned m = 0;
    unsigned d = 0;
    civil_from_days(days, y, m, d);
    const unsigned year = y < 0 ? 0 : y > 9999 ? 9999 : static_cast<unsigned>(y);
    append_digits(sec_text_, year, 4);
    sec_text_[4] = '-';
    append_digits(sec_text_ + 5, m, 2);
    sec_text_[7] = '-';
    append_digits(sec_text_ + 8, d, 2);
    sec_text_[10] = 'T';
    append_digits(sec_text_ + 11, tod / 3600, 2);
    sec_text_[13] = ':';
    append_digits(sec_text_ + 14, tod / 60 % 60, 2);
    sec_text_[16] = ':';
    append_digits(sec_text_ + 17, tod % 60, 2);
    cached_sec_ = sec;
  }
  std::memcpy(p, sec_text_, 19);
  p[19] = '.';
  append_digits(p + 20, milli, 3);
  p[23] = 'Z';
  return p + 24;
}

void AccessLogWriter::append_time(std::string& out, int64_t unix_ns) {
  char buf[24];
  out.append(buf, static_cast<size_t>(put_time(buf, unix_ns) - buf));
}

std::string_view AccessLogWriter::format(const AccessEntry& e) {
  // Room for the worst case: the fixed text and numbers, and every string fully escaped. The
  // buffer only grows (once, for an unusually long line); it is never shrunk or reallocated
  // in steady state.
  constexpr size_t kFixed = 512;  // keys, punctuation, numbers, time: about 330 bytes
  const size_t need = kFixed + 6 * (e.client.size() + e.pool.size() + e.backend.size() +
                                    e.method.size() + e.mcp_method.size() + e.tool.size());
  if (buf_.size() < need) {
    buf_.resize(need);
  }
  char* const start = buf_.data();
  char* p = start;
  p = put(p, "{\"time\":\"");
  p = put_time(p, e.unix_ns);
  p = put(p, "\",\"client\":");
  p = put_string_or_null(p, e.client);
  p = put(p, ",\"pool\":");
  p = put_string_or_null(p, e.pool);
  p = put(p, ",\"backend\":");
  p = put_string_or_null(p, e.backend);
  p = put(p, ",\"method\":");
  p = put_string_or_null(p, e.method);
  p = put(p, ",\"mcp_method\":");
  p = put_string_or_null(p, e.mcp_method);
  p = put(p, ",\"tool\":");
  p = put_string_or_null(p, e.tool);
  p = put(p, ",\"status\":");
  p = put_number(p, e.status);
  p = put(p, ",\"origin\":\"");
  p = put(p, std::string_view(origin_name(e.origin)));
  p = put(p, "\",\"bytes_in\":");
  p = put_number(p, e.bytes_in);
  p = put(p, ",\"bytes_out\":");
  p = put_number(p, e.bytes_out);
  // Milliseconds with 3 decimals: whole microseconds, rounded.
  const uint64_t us = e.duration_ns > 0 ? (static_cast<uint64_t>(e.duration_ns) + 500) / 1000 : 0;
  p = put(p, ",\"duration_ms\":");
  p = put_number(p, us / 1000);
  *p++ = '.';
  append_digits(p, static_cast<unsigned>(us % 1000), 3);
  p += 3;
  p = put(p, ",\"session\":");
  if (e.session_hash == 0) {
    p = put(p, "null");
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    *p++ = '"';
    for (int i = 0; i < 16; ++i) {
      *p++ = kHex[(e.session_hash >> (60 - 4 * i)) & 15];
    }
    *p++ = '"';
  }
  p = put(p, ",\"retries\":");
  p = put_number(p, e.retries);
  p = e.failover ? put(p, ",\"failover\":true}\n") : put(p, ",\"failover\":false}\n");
  return {start, static_cast<size_t>(p - start)};
}

}  // namespace mcplb::proxy
