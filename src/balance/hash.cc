// hash: consistent hashing with bounded load on a request key the caller extracts (header,
// cookie, query argument, JWT claim) and hashes with hash64(). The algorithm lives in
// hash_ring.cc, shared with ip_hash.

#include "balance/hash_ring.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class HashFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "hash"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& options) const override {
    return make_consistent_hash(backends, options);
  }
};

}  // namespace

const PolicyFactory& hash_factory() {
  static const HashFactory factory;
  return factory;
}

}  // namespace mcplb::balance
