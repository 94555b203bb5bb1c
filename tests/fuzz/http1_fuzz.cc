// Feeds arbitrary bytes to the request and response head parsers, whole and split in two,
// checking the invariants the proxy relies on: no crash, consumed <= given, and recorded
// field spans always inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "net/http1_parser.h"

namespace {

template <bool isRequest>
void run(const char* data, size_t size, size_t split) {
  using namespace mcplb::net;
  static FieldRef scratch[kMaxFields];
  Http1Parser<isRequest> p(data, size, scratch);
  p.header_limit(8192);
  p.body_limit(1 << 20);
  p.eager(true);
  error_code ec;
  size_t used = 0;
  if (split > 0 && split < size) {
    used = p.put(boost::asio::buffer(data, split), ec);
    if (ec && ec != http::error::need_more) {
      return;
    }
  }
  ec = {};
  size_t more = p.put(boost::asio::buffer(data + used, size - used), ec);
  if (used + more > size) {
    std::abort();
  }
  if (p.is_header_done()) {
    for (size_t i = 0; i < p.field_count; ++i) {
      const auto& f = p.fields[i];
      if (f.name.off + f.name.len > size || f.value.off + f.value.len > size) {
        std::abort();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string copy(reinterpret_cast<const char*>(data), size);
  size_t split = size > 0 ? data[0] % (size + 1) : 0;
  run<true>(copy.data(), copy.size(), split);
  run<false>(copy.data(), copy.size(), split);
  return 0;
}
