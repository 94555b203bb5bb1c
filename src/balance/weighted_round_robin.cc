// weighted_round_robin: nginx's smooth weighted round robin (ngx_http_upstream_get_peer).
// Every pick adds each acceptable backend's weight to its running `current`, takes the
// largest, and subtracts the round's total from the winner. Picks are spread evenly inside a
// round ({5,1,1} gives a a b a c a a) instead of bursting five in a row to the heaviest.
//
// Weights are read on every pick through effective_weight(), so admin weight changes and
// slow-start ramps take effect at once. Backends the caller rejects sit out the round, as
// nginx's down/tried peers do: neither their weight nor their `current` changes.

#include <vector>

#include "balance/detail.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class WeightedRoundRobin final : public Policy {
 public:
  explicit WeightedRoundRobin(std::span<const pool::BackendPtr> backends)
      : backends_(backends.begin(), backends.end()), current_(backends.size(), 0) {}

  std::optional<size_t> pick(const PickContext& ctx) override {
    const size_t n = backends_.size();
    int64_t total = 0;
    size_t best = n;
    int64_t best_current = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!ctx.ok(i)) {
        continue;
      }
      // <= 1000 << 10 per backend: the running sums stay far from overflow.
      auto w = static_cast<int64_t>(detail::weight_of(*backends_[i], ctx.now_ns));
      int64_t c = current_[i] += w;
      total += w;
      // Strictly greater: the first of equal backends wins, exactly as nginx.
      if (best == n || c > best_current) {
        best = i;
        best_current = c;
      }
    }
    if (best == n) {
      return std::nullopt;
    }
    current_[best] -= total;
    return best;
  }

 private:
  std::vector<pool::BackendPtr> backends_;
  std::vector<int64_t> current_;  // nginx's peer->current_weight, in 1/1024 weight units
};

class WeightedRoundRobinFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "weighted_round_robin"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& /*options*/) const override {
    return std::make_unique<WeightedRoundRobin>(backends);
  }
};

}  // namespace

const PolicyFactory& weighted_round_robin_factory() {
  static const WeightedRoundRobinFactory factory;
  return factory;
}

}  // namespace mcplb::balance
