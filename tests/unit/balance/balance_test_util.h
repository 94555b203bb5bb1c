#pragma once
// Helpers for policy tests: backends built by hand, an acceptable-set, a pick counter.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "balance/registry.h"

namespace mcplb::balance::testing {

// Named apart from make_backends(n): make_backends({4}) would silently mean four backends.
inline std::vector<pool::BackendPtr> make_weighted(std::vector<uint32_t> weights,
                                                   size_t workers = 1) {
  std::vector<pool::BackendPtr> out;
  for (size_t i = 0; i < weights.size(); ++i) {
    auto b = std::make_shared<pool::Backend>();
    b->name = "b" + std::to_string(i);
    b->address = "127.0.0.1:" + std::to_string(3001 + i);
    b->weight.store(weights[i]);
    b->stats = std::make_unique<pool::BackendStats>(workers);
    out.push_back(b);
  }
  return out;
}

inline std::vector<pool::BackendPtr> make_backends(size_t n, size_t workers = 1) {
  return make_weighted(std::vector<uint32_t>(n, 1), workers);
}

inline void set_in_flight(const pool::BackendPtr& b, int64_t v, size_t worker = 0) {
  b->stats->slot(worker).in_flight.store(v);
}

inline void add_in_flight(const pool::BackendPtr& b, int64_t d = 1, size_t worker = 0) {
  pool::bump(b->stats->slot(worker).in_flight, d);
}

/// Which backends a pick may take; attach() points a PickContext at it.
struct Acceptable {
  std::vector<char> ok;
  explicit Acceptable(size_t n) : ok(n, 1) {}
  void attach(PickContext& ctx) const {
    ctx.acceptable_arg = this;
    ctx.acceptable = [](const void* arg, size_t i) {
      return static_cast<const Acceptable*>(arg)->ok[i] != 0;
    };
  }
};

inline std::unique_ptr<Policy> build(std::string_view name,
                                     const std::vector<pool::BackendPtr>& backends,
                                     PolicyOptions options = {}) {
  const PolicyFactory* f = find_policy(name);
  EXPECT_NE(f, nullptr) << name;
  return f->build(backends, options);
}

/// Picks `n` times and counts per backend; fails the test on a nullopt.
inline std::vector<size_t> count_picks(Policy& p, const PickContext& ctx, size_t backends,
                                       size_t n) {
  std::vector<size_t> counts(backends, 0);
  for (size_t k = 0; k < n; ++k) {
    auto i = p.pick(ctx);
    EXPECT_TRUE(i.has_value());
    if (!i) {
      break;
    }
    ++counts[*i];
  }
  return counts;
}

/// Asserts each backend's share of `total` is weight/sum(weights) within +-tolerance.
inline void expect_shares(const std::vector<size_t>& counts, const std::vector<uint32_t>& w,
                          double tolerance) {
  double sum_w = 0;
  size_t total = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    sum_w += w[i];
    total += counts[i];
  }
  for (size_t i = 0; i < w.size(); ++i) {
    double got = static_cast<double>(counts[i]) / static_cast<double>(total);
    EXPECT_NEAR(got, w[i] / sum_w, tolerance) << "backend " << i;
  }
}

}  // namespace mcplb::balance::testing
