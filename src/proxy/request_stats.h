#pragma once
// Per-worker request statistics: responses by pool/backend/status class/origin, and request
// duration histograms by pool/backend and by MCP method. Same scheme as pool::WorkerSlot:
// the worker thread is the only writer (relaxed load + store, no lock prefix), the admin
// thread reads at scrape time and sums over workers. Sized once from the topology; recording
// a request allocates nothing and takes no lock.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "proxy/mcp_counters.h"
#include "proxy/request_record.h"

namespace mcplb::proxy {

class Topology;

class RequestStats {
 public:
  /// Upper bounds of the finite duration buckets, in seconds (the exposition's `le` values).
  static constexpr std::array<std::string_view, 17> kBucketLabels{
      "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
      "1",     "2.5",    "5",     "10",   "30",    "60",   "120", "300"};
  /// The same bounds in nanoseconds. A duration d falls in the first bucket with d <= bound.
  static constexpr std::array<int64_t, 17> kBoundsNs{
      1'000'000,      2'500'000,      5'000'000,       10'000'000,      25'000'000,
      50'000'000,     100'000'000,    250'000'000,     500'000'000,     1'000'000'000,
      2'500'000'000,  5'000'000'000,  10'000'000'000,  30'000'000'000,  60'000'000'000,
      120'000'000'000, 300'000'000'000};
  static constexpr size_t kBuckets = kBoundsNs.size() + 1;  // the last one is +Inf
  /// Status classes: 1xx..5xx, then anything outside 100..599.
  static constexpr std::array<std::string_view, 6> kClasses{"1xx", "2xx", "3xx",
                                                            "4xx", "5xx", "other"};
  /// Origins that count as responses (Origin::none is not a response).
  static constexpr std::array<std::string_view, 2> kOrigins{"backend", "mcplb"};
  static constexpr size_t kMethods = McpCounters::kMethods.size();

  /// Bucket index (0..kBuckets-1) for a duration in nanoseconds: the number of bounds below
  /// it. A linear scan from the smallest bound: most requests take milliseconds and stop
  /// after a few well-predicted compares (cheaper than a branchless count of all 17).
  static size_t bucket(int64_t ns) {
    size_t i = 0;
    while (i < kBoundsNs.size() && ns > kBoundsNs[i]) {
      ++i;
    }
    return i;
  }
  static size_t status_class(unsigned status) {
    return status >= 100 && status <= 599 ? status / 100 - 1 : kClasses.size() - 1;
  }

  /// Non-cumulative bucket counts and the sum of durations in nanoseconds. The count is the
  /// sum of the buckets (read that way, _count always equals the +Inf bucket).
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBuckets> buckets{};
    std::atomic<uint64_t> sum_ns{0};
  };
  /// One pool/backend pair (or the pool's "no backend" slot, or the "no pool" slot).
  struct Cell {
    std::array<std::array<std::atomic<uint64_t>, kOrigins.size()>, kClasses.size()> responses{};
    Histogram duration;
  };

  /// `backends[p]` is the number of backends of pool p. Each pool gets one more cell for
  /// requests answered without a backend, and one cell at the end is for requests without
  /// a pool.
  explicit RequestStats(std::span<const size_t> backends);
  /// Sized from the topology's pools.
  explicit RequestStats(const Topology& topo);

  RequestStats(const RequestStats&) = delete;
  RequestStats& operator=(const RequestStats&) = delete;

  /// Worker thread only. Origin::none (no response) records nothing; a GET answered with a
  /// text/event-stream counts as a response but not in the duration histograms.
  void record(const RequestRecord& r, int64_t duration_ns) {
    if (r.origin == Origin::none) {
      return;
    }
    Cell& c = cell(r.pool, r.backend);
    pool::bump(c.responses[status_class(r.status)][r.origin == Origin::mcplb ? 1 : 0],
               uint64_t{1});
    if (r.stream && r.http_method == boost::beast::http::verb::get) {
      return;
    }
    const uint64_t d = duration_ns > 0 ? static_cast<uint64_t>(duration_ns) : 0;
    const size_t b = bucket(duration_ns);
    observe(c.duration, b, d);
    if (r.mcp_method < kMethods) {
      observe(methods_[r.mcp_method], b, d);
    }
  }

  // --- readers (any thread) ---
  size_t pools() const { return backends_.size(); }
  size_t backends(size_t pool) const { return backends_[pool]; }
  /// Pool p's backend b; b == backends(p) is its "no backend" cell. pool == pools() (any b)
  /// is the "no pool" cell.
  const Cell& at(size_t pool, size_t backend) const {
    return pool >= backends_.size() ? cells_[total_ - 1] : cells_[offsets_[pool] + backend];
  }
  const Histogram& method(size_t m) const { return methods_[m]; }

 private:
  static void observe(Histogram& h, size_t b, uint64_t d) {
    pool::bump(h.buckets[b], uint64_t{1});
    pool::bump(h.sum_ns, d);
  }
  Cell& cell(int pool, int backend) {
    if (pool < 0 || static_cast<size_t>(pool) >= backends_.size()) {
      return cells_[total_ - 1];
    }
    const auto p = static_cast<size_t>(pool);
    const size_t n = backends_[p];
    const size_t b = backend < 0 || static_cast<size_t>(backend) >= n
                         ? n
                         : static_cast<size_t>(backend);
    return cells_[offsets_[p] + b];
  }

  std::vector<size_t> backends_;  // per pool
  std::vector<size_t> offsets_;   // per pool: its first cell
  size_t total_ = 0;
  std::unique_ptr<Cell[]> cells_;
  std::array<Histogram, kMethods> methods_{};
};

/// Totals over workers (admin thread, at scrape time).
struct HistogramSum {
  std::array<uint64_t, RequestStats::kBuckets> buckets{};  // non-cumulative
  uint64_t sum_ns = 0;

  void add(const RequestStats::Histogram& h) {
    for (size_t i = 0; i < buckets.size(); ++i) {
      buckets[i] += h.buckets[i].load(std::memory_order_relaxed);
    }
    sum_ns += h.sum_ns.load(std::memory_order_relaxed);
  }
  uint64_t count() const {
    uint64_t n = 0;
    for (uint64_t b : buckets) {
      n += b;
    }
    return n;
  }
  /// Quantile q (0..1) in seconds, estimated as Prometheus' histogram_quantile does: linear
  /// inside the bucket that holds it, the last finite bound when it falls in +Inf; 0 when
  /// empty.
  double quantile(double q) const;
};

/// The sum over `workers` of one cell.
struct CellSum {
  std::array<std::array<uint64_t, RequestStats::kOrigins.size()>, RequestStats::kClasses.size()>
      responses{};
  HistogramSum duration;

  void add(const RequestStats::Cell& c) {
    for (size_t k = 0; k < responses.size(); ++k) {
      for (size_t o = 0; o < responses[k].size(); ++o) {
        responses[k][o] += c.responses[k][o].load(std::memory_order_relaxed);
      }
    }
    duration.add(c.duration);
  }
};
CellSum sum_cell(std::span<const RequestStats* const> workers, size_t pool, size_t backend);
HistogramSum sum_method(std::span<const RequestStats* const> workers, size_t method);

/// Every worker's counters, one entry per worker (Server::mcp_counters()).
struct WorkerCounters {
  std::vector<const McpCounters*> mcp;
  std::vector<const RequestStats*> requests;
};

}  // namespace mcplb::proxy
