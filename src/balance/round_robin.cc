// round_robin: each worker walks the pool in order, skipping backends the caller rejects.
// Per-worker cursors start at the worker index so N workers do not all hit backend 0 first.
// Deliberately unweighted: weighted_round_robin is the weighted variant.

#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class RoundRobin final : public Policy {
 public:
  explicit RoundRobin(size_t n) : n_(n) {}

  std::optional<size_t> pick(const PickContext& ctx) override {
    if (first_) {
      next_ = n_ == 0 ? 0 : ctx.worker % n_;
      first_ = false;
    }
    for (size_t tries = 0; tries < n_; ++tries) {
      size_t i = next_;
      next_ = next_ + 1 == n_ ? 0 : next_ + 1;
      if (ctx.ok(i)) {
        return i;
      }
    }
    return std::nullopt;
  }

 private:
  size_t n_;
  size_t next_ = 0;
  bool first_ = true;
};

class RoundRobinFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "round_robin"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& /*options*/) const override {
    return std::make_unique<RoundRobin>(backends.size());
  }
};

}  // namespace

const PolicyFactory& round_robin_factory() {
  static const RoundRobinFactory factory;
  return factory;
}

}  // namespace mcplb::balance
