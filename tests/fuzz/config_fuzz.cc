// load_string on arbitrary bytes: must never crash, hang or throw, and a loaded config must
// survive a dump/load round trip unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/dump.h"
#include "config/load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mcplb::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadResult r = load_string(text, "fuzz.yaml");
  if (r.ok() != r.errors.empty()) {
    std::abort();
  }
  if (r.config) {
    std::string once = dump(*r.config);
    LoadResult again = load_string(once, "dump.yaml");
    if (!again.ok() || dump(*again.config) != once) {
      std::abort();
    }
  }
  // The value parsers see the same bytes directly.
  (void)parse_duration(text);
  (void)parse_size(text);
  (void)parse_address(text);
  return 0;
}
