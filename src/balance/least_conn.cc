// least_conn: the acceptable backend with the fewest in-flight requests per unit of weight
// (nginx least_conn, HAProxy leastconn). In-flight counts every worker's requests, open SSE
// streams included, so a backend holding many long streams is avoided.
//
// Ratios are compared by cross-multiplication (a/wa < b/wb  <=>  a*wb < b*wa): exact, and no
// division on the pick path. When several backends share the lowest ratio (typical at low
// load, where all sit at 0), nginx runs its smooth weighted round robin among them; so do we.
// That keeps weights meaningful at idle (a 5% canary gets ~5% of a quiet pool rather than
// an even split) and rotates equal backends instead of always taking the first. Each worker
// scans from a different start (its index), so workers do not all open on backend 0.

#include <vector>

#include "balance/detail.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class LeastConn final : public Policy {
 public:
  explicit LeastConn(std::span<const pool::BackendPtr> backends)
      : backends_(backends.begin(), backends.end()),
        load_(backends.size(), 0),
        weight_(backends.size(), 0),
        current_(backends.size(), 0) {}

  std::optional<size_t> pick(const PickContext& ctx) override {
    const size_t n = backends_.size();
    if (n == 0) {
      return std::nullopt;
    }
    if (!started_) {
      start_ = ctx.worker % n;
      started_ = true;
    }
    // Pass 1: lowest load/weight; remember each candidate's figures (weight 0 = rejected).
    size_t best = n;
    uint64_t best_load = 0;
    uint64_t best_weight = 1;
    for (size_t k = 0, i = start_; k < n; ++k, i = i + 1 == n ? 0 : i + 1) {
      if (!ctx.ok(i)) {
        weight_[i] = 0;
        continue;
      }
      uint64_t load = load_[i] = detail::in_flight_of(*backends_[i]);
      uint64_t weight = weight_[i] = detail::weight_of(*backends_[i], ctx.now_ns);
      // load <= 2^40 and weight <= 2^20 in any real deployment: products fit in 64 bits.
      if (best == n || load * best_weight < best_load * weight) {
        best = i;
        best_load = load;
        best_weight = weight;
      }
    }
    if (best == n) {
      return std::nullopt;
    }
    // Pass 2: smooth weighted round robin among the backends tied with the best.
    int64_t total = 0;
    size_t chosen = n;
    for (size_t k = 0, i = start_; k < n; ++k, i = i + 1 == n ? 0 : i + 1) {
      if (weight_[i] == 0 || load_[i] * best_weight != best_load * weight_[i]) {
        continue;
      }
      current_[i] += static_cast<int64_t>(weight_[i]);
      total += static_cast<int64_t>(weight_[i]);
      if (chosen == n || current_[i] > current_[chosen]) {
        chosen = i;
      }
    }
    current_[chosen] -= total;
    return chosen;
  }

 private:
  std::vector<pool::BackendPtr> backends_;
  std::vector<uint64_t> load_;    // scratch: this pick's in-flight per backend
  std::vector<uint64_t> weight_;  // scratch: this pick's weight, 0 when rejected
  std::vector<int64_t> current_;  // smooth-WRR state for breaking ties
  size_t start_ = 0;
  bool started_ = false;
};

class LeastConnFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "least_conn"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& /*options*/) const override {
    return std::make_unique<LeastConn>(backends);
  }
};

}  // namespace

const PolicyFactory& least_conn_factory() {
  static const LeastConnFactory factory;
  return factory;
}

}  // namespace mcplb::balance
