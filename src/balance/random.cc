// random: weighted random choice over the acceptable backends, by effective weight (so slow
// start and admin weight changes apply on the next pick). Each worker has its own PRNG: no
// shared state, and a fixed options.seed makes a worker's sequence repeatable.
//
// One pass fills a scratch array (preallocated at build()) with each backend's weight, 0 for
// rejected ones, so the caller's acceptable() runs once per backend; a second pass over the
// array finds the drawn slot.

#include <vector>

#include "balance/detail.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class Random final : public Policy {
 public:
  Random(std::span<const pool::BackendPtr> backends, uint64_t seed)
      : backends_(backends.begin(), backends.end()), weights_(backends.size(), 0), rng_(seed) {}

  std::optional<size_t> pick(const PickContext& ctx) override {
    if (!started_) {
      rng_.start(ctx.worker);
      started_ = true;
    }
    const size_t n = backends_.size();
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      weights_[i] = ctx.ok(i) ? detail::weight_of(*backends_[i], ctx.now_ns) : 0;
      total += weights_[i];
    }
    if (total == 0) {
      return std::nullopt;
    }
    uint64_t r = rng_.below(total);
    for (size_t i = 0; i < n; ++i) {
      if (r < weights_[i]) {
        return i;
      }
      r -= weights_[i];
    }
    return std::nullopt;  // unreachable: r < total
  }

 private:
  std::vector<pool::BackendPtr> backends_;
  std::vector<uint64_t> weights_;  // scratch, one pick's weights
  detail::Rng rng_;
  bool started_ = false;
};

class RandomFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "random"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& options) const override {
    return std::make_unique<Random>(backends, options.seed);
  }
};

}  // namespace

const PolicyFactory& random_factory() {
  static const RandomFactory factory;
  return factory;
}

}  // namespace mcplb::balance
