#include "proxy/request_stats.h"

#include "proxy/topology.h"

namespace mcplb::proxy {

namespace {

std::vector<size_t> backend_counts(const Topology& topo) {
  std::vector<size_t> out;
  for (const auto& p : topo.pools()) {
    out.push_back(p.backends.size());
  }
  return out;
}

}  // namespace

RequestStats::RequestStats(std::span<const size_t> backends)
    : backends_(backends.begin(), backends.end()) {
  offsets_.reserve(backends_.size());
  for (size_t n : backends_) {
    offsets_.push_back(total_);
    total_ += n + 1;  // + the pool's "no backend" cell
  }
  ++total_;  // the "no pool" cell
  cells_ = std::make_unique<Cell[]>(total_);
}

RequestStats::RequestStats(const Topology& topo) : RequestStats(backend_counts(topo)) {}

double HistogramSum::quantile(double q) const {
  const uint64_t n = count();
  if (n == 0) {
    return 0;
  }
  const double rank = q * static_cast<double>(n);
  uint64_t below = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const uint64_t in = buckets[i];
    if (in == 0 || static_cast<double>(below + in) < rank) {
      below += in;
      continue;
    }
    if (i == RequestStats::kBoundsNs.size()) {
      return static_cast<double>(RequestStats::kBoundsNs.back()) / 1e9;  // +Inf bucket
    }
    const double lo = i == 0 ? 0.0 : static_cast<double>(RequestStats::kBoundsNs[i - 1]) / 1e9;
    const double hi = static_cast<double>(RequestStats::kBoundsNs[i]) / 1e9;
    return lo + (hi - lo) * (rank - static_cast<double>(below)) / static_cast<double>(in);
  }
  return static_cast<double>(RequestStats::kBoundsNs.back()) / 1e9;
}

CellSum sum_cell(std::span<const RequestStats* const> workers, size_t pool, size_t backend) {
  CellSum s;
  for (const RequestStats* w : workers) {
    s.add(w->at(pool, backend));
  }
  return s;
}

HistogramSum sum_method(std::span<const RequestStats* const> workers, size_t method) {
  HistogramSum s;
  for (const RequestStats* w : workers) {
    s.add(w->method(method));
  }
  return s;
}

}  // namespace mcplb::proxy
