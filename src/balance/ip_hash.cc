// ip_hash: consistent hashing with bounded load on the client address (the caller hashes the
// peer IP, or the X-Forwarded-For client when the peer is a trusted proxy, with hash64()).
// Same ring and walk as `hash` (hash_ring.cc); a separate name so configs say what they mean.

#include "balance/hash_ring.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class IpHashFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "ip_hash"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& options) const override {
    return make_consistent_hash(backends, options);
  }
};

}  // namespace

const PolicyFactory& ip_hash_factory() {
  static const IpHashFactory factory;
  return factory;
}

}  // namespace mcplb::balance
