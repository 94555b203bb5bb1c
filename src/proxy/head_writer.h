#pragma once
// Bounded appender for HTTP heads written by hand into a pooled buffer (Beast's serializer
// would allocate and send the head in many pieces).

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mcplb::proxy {

class HeadWriter {
 public:
  HeadWriter(char* p, size_t cap) : begin_(p), p_(p), end_(p + cap) {}

  HeadWriter& put(std::string_view s) {
    if (static_cast<size_t>(end_ - p_) < s.size()) {
      overflow_ = true;
      return *this;
    }
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
    return *this;
  }
  HeadWriter& put(uint64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
    return put(std::string_view(tmp, static_cast<size_t>(r.ptr - tmp)));
  }
  HeadWriter& header(std::string_view name, std::string_view value) {
    return put(name).put(": ").put(value).put("\r\n");
  }

  bool overflow() const { return overflow_; }
  size_t size() const { return static_cast<size_t>(p_ - begin_); }

 private:
  char* begin_;
  char* p_;
  char* end_;
  bool overflow_ = false;
};

}  // namespace mcplb::proxy
