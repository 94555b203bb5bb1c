// least_request: power of two choices (Mitzenmacher; Envoy LEAST_REQUEST, Finagle P2C).
// Draw two distinct acceptable backends at random and keep the one with the lower score
//   score = (in_flight + 1) / effective_weight            (options.ewma == false)
//   score = (in_flight + 1) * latency / effective_weight  (options.ewma == true)
// where latency is a peak EWMA of observed response-head latency (Finagle PeakEwma,
// Linkerd/tower PeakEwma). Two random probes cost O(1) whatever the pool size, avoid the herd
// effect of every worker sending to the single least-loaded backend, and still drive load
// to within a small constant of optimal.
//
// Peak EWMA: a sample above the estimate replaces it at once (a backend turning slow loses
// traffic on its first slow response, not after a time constant); a lower sample is blended
// in with w = exp(-dt/decay). Reads decay the estimate towards 0 as well (as Finagle and
// tower do), so a backend that was slow and stopped getting traffic is tried again later
// instead of being starved forever by a stale figure; its next response corrects it.
//
// Estimates are per worker (observe() runs on the worker that picked), so no atomics.

#include <cmath>
#include <vector>

#include "balance/detail.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class LeastRequest final : public Policy {
 public:
  LeastRequest(std::span<const pool::BackendPtr> backends, const PolicyOptions& options)
      : backends_(backends.begin(), backends.end()),
        ewma_(options.ewma),
        decay_ns_(options.decay_ns > 0 ? static_cast<double>(options.decay_ns) : 1.0),
        cost_(backends.size(), 0.0),
        stamp_(backends.size(), 0),
        seen_(backends.size(), false),
        scratch_(backends.size(), 0),
        rng_(options.seed) {}

  std::optional<size_t> pick(const PickContext& ctx) override {
    const size_t n = backends_.size();
    if (!started_) {
      rng_.start(ctx.worker);
      started_ = true;
    }
    if (n == 0) {
      return std::nullopt;
    }
    size_t a = n;
    size_t b = n;
    draw_two(ctx, a, b);
    if (a == n) {
      return std::nullopt;
    }
    if (b == n) {
      return a;
    }
    return score(a, ctx.now_ns) <= score(b, ctx.now_ns) ? a : b;
  }

  void observe(size_t index, int64_t latency_ns, int64_t now_ns) override {
    if (index >= backends_.size() || latency_ns < 0) {
      return;
    }
    auto rtt = static_cast<double>(latency_ns);
    double old = cost_[index];
    double next = rtt;
    if (seen_[index] && rtt <= old) {
      double w = std::exp(-static_cast<double>(std::max<int64_t>(now_ns - stamp_[index], 0)) /
                          decay_ns_);
      next = old * w + rtt * (1.0 - w);
    }
    if (!seen_[index]) {
      seen_[index] = true;
      ++known_;
      old = 0.0;
    }
    cost_[index] = next;
    stamp_[index] = now_ns;
    known_sum_ += next - old;
  }

 private:
  // Random acceptable picks: a few blind draws first (O(1), the common case where most of
  // the pool is acceptable), then an exact draw over the list of acceptable backends.
  void draw_two(const PickContext& ctx, size_t& a, size_t& b) {
    const size_t n = backends_.size();
    constexpr int kTries = 4;
    for (int t = 0; t < kTries && a == n; ++t) {
      size_t i = rng_.below(n);
      a = ctx.ok(i) ? i : n;
    }
    if (a != n && n > 1) {
      for (int t = 0; t < kTries && b == n; ++t) {
        // Uniform over the other n-1 backends: distinct from `a` by construction.
        size_t j = rng_.below(n - 1);
        j += j >= a ? 1 : 0;
        b = ctx.ok(j) ? j : n;
      }
    }
    if (a != n && (b != n || n == 1)) {
      return;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      if (ctx.ok(i)) {
        scratch_[m++] = i;
      }
    }
    a = b = n;
    if (m == 0) {
      return;
    }
    size_t x = rng_.below(m);
    a = scratch_[x];
    if (m > 1) {
      size_t y = rng_.below(m - 1);
      b = scratch_[y >= x ? y + 1 : y];
    }
  }

  double score(size_t i, int64_t now_ns) const {
    const auto& be = *backends_[i];
    double s = static_cast<double>(detail::in_flight_of(be) + 1) /
               static_cast<double>(detail::weight_of(be, now_ns));
    return ewma_ ? s * latency(i, now_ns) : s;
  }

  double latency(size_t i, int64_t now_ns) const {
    if (!seen_[i]) {
      // No response yet (new backend, or a fresh worker). Use the mean of the estimates we
      // have: a cost of 0 would send it every request until its first answer arrives (a
      // thundering herd onto a cold backend), and a large penalty could starve it of the
      // very sample it needs. At the mean it competes as an average backend, and in_flight
      // still pushes back once requests pile up on it. With no samples at all every
      // backend gets the same 1 ns, and scores fall back to (in_flight + 1) / weight.
      return known_ == 0 ? 1.0 : std::max(known_sum_ / static_cast<double>(known_), 1.0);
    }
    double dt = static_cast<double>(std::max<int64_t>(now_ns - stamp_[i], 0));
    // Floor at 1 ns so a long-idle estimate never reaches 0 and hides in_flight entirely.
    return std::max(cost_[i] * std::exp(-dt / decay_ns_), 1.0);
  }

  std::vector<pool::BackendPtr> backends_;
  bool ewma_;
  double decay_ns_;
  std::vector<double> cost_;     // peak-EWMA latency, ns, as of stamp_
  std::vector<int64_t> stamp_;   // when cost_ was last updated
  std::vector<bool> seen_;       // has had at least one sample on this worker
  double known_sum_ = 0.0;       // sum of cost_ over seen backends (for unseen ones)
  size_t known_ = 0;
  std::vector<size_t> scratch_;  // acceptable indexes, when blind draws miss
  detail::Rng rng_;
  bool started_ = false;
};

class LeastRequestFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "least_request"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& options) const override {
    return std::make_unique<LeastRequest>(backends, options);
  }
};

}  // namespace

const PolicyFactory& least_request_factory() {
  static const LeastRequestFactory factory;
  return factory;
}

}  // namespace mcplb::balance
