// hash64: XXH3-64 with the default (zero) seed. Its output is specified by the xxHash format
// and identical on every platform and version since 0.8.0, so two mcplb replicas hash a key
// to the same ring position and place it on the same backend.

#include <xxhash.h>

#include "mcplb/balance/policy.h"

namespace mcplb::balance {

uint64_t hash64(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace mcplb::balance
