// least_sessions: a NEW MCP session goes to the acceptable backend with the fewest live
// sessions per unit of weight. Sessions are long-lived and cost backend memory whether or not
// they are busy, so this count, not in-flight requests, is what tracks a server's load.
//
// Placement claims the slot itself: it compare-exchanges Backend::sessions from the value it
// compared with to value + 1, and rescans if any worker changed it in between. A success
// proves the backend still held that count when we took it; counts here only grow between
// our read and our claim unless a session closed, so no other backend was below it, and two
// workers can never both take the same minimum. Workers placing sessions at once therefore
// keep every backend within one session of its share, with no lock.
//
// Requests that do not create a session (stateless MCP, or anything the caller routes by
// policy without a session) take a plain per-worker round robin: cheap, and per-request
// balance is not what this policy is for.

#include <vector>

#include "balance/detail.h"
#include "balance/registry.h"

namespace mcplb::balance {
namespace {

class LeastSessions final : public Policy {
 public:
  explicit LeastSessions(std::span<const pool::BackendPtr> backends)
      : backends_(backends.begin(), backends.end()) {}

  bool claims_sessions() const override { return true; }

  std::optional<size_t> pick(const PickContext& ctx) override {
    const size_t n = backends_.size();
    if (n == 0) {
      return std::nullopt;
    }
    if (!started_) {
      next_ = ctx.worker % n;
      started_ = true;
    }
    return ctx.new_session ? place(ctx) : rotate(ctx);
  }

 private:
  std::optional<size_t> place(const PickContext& ctx) {
    const size_t n = backends_.size();
    // Every failed exchange means another worker's exchange (or a session close) landed, so
    // the pool as a whole progresses; the bound only guards a worker from pathological
    // starvation, after which it adds to its last choice (one session over, never lost).
    constexpr int kMaxRescans = 64;
    size_t best = n;
    for (int attempt = 0; attempt < kMaxRescans; ++attempt) {
      best = n;
      int64_t best_raw = 0;
      uint64_t best_s = 0;
      uint64_t best_w = 1;
      // Scan from the rotating cursor: the first of tied backends wins, and the cursor moves
      // past each winner, so ties rotate.
      for (size_t k = 0, i = next_; k < n; ++k, i = i + 1 == n ? 0 : i + 1) {
        if (!ctx.ok(i)) {
          continue;
        }
        int64_t raw = backends_[i]->sessions.load(std::memory_order_acquire);
        // A close may briefly run ahead of its open; compare as 0, claim the raw value.
        uint64_t s = raw > 0 ? static_cast<uint64_t>(raw) : 0;
        uint64_t w = detail::weight_of(*backends_[i], ctx.now_ns);
        if (best == n || s * best_w < best_s * w) {
          best = i;
          best_raw = raw;
          best_s = s;
          best_w = w;
        }
      }
      if (best == n) {
        return std::nullopt;
      }
      if (backends_[best]->sessions.compare_exchange_strong(best_raw, best_raw + 1,
                                                            std::memory_order_acq_rel)) {
        next_ = best + 1 == n ? 0 : best + 1;
        return best;
      }
    }
    backends_[best]->sessions.fetch_add(1, std::memory_order_acq_rel);
    next_ = best + 1 == n ? 0 : best + 1;
    return best;
  }

  std::optional<size_t> rotate(const PickContext& ctx) {
    const size_t n = backends_.size();
    for (size_t k = 0; k < n; ++k) {
      size_t i = next_;
      next_ = next_ + 1 == n ? 0 : next_ + 1;
      if (ctx.ok(i)) {
        return i;
      }
    }
    return std::nullopt;
  }

  std::vector<pool::BackendPtr> backends_;
  size_t next_ = 0;  // shared by both paths: each just needs to move on after a pick
  bool started_ = false;
};

class LeastSessionsFactory final : public PolicyFactory {
 public:
  std::string_view name() const override { return "least_sessions"; }
  std::unique_ptr<Policy> build(std::span<const pool::BackendPtr> backends,
                                const PolicyOptions& /*options*/) const override {
    return std::make_unique<LeastSessions>(backends);
  }
};

}  // namespace

const PolicyFactory& least_sessions_factory() {
  static const LeastSessionsFactory factory;
  return factory;
}

}  // namespace mcplb::balance
