// A warmed-up scrape writer allocates nothing, and 100 backends scrape cheaply. Counted by
// replacing the global scalar operator new for this test binary (this thread only).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>

#include "admin/metrics.h"
#include "proxy/mcp_counters.h"
#include "test_util.h"
#include "count_new.h"

namespace mcplb::admin {
namespace {

TEST(ScrapeCost, HundredBackendsNoAllocationAfterWarmUp) {
  std::vector<config::Backend> backends;
  for (uint16_t i = 0; i < 100; ++i) {
    backends.push_back(test::backend("backend-" + std::to_string(i), 20000 + i));
  }
  auto topo = test::build(test::make_config({test::pool("mcp", std::move(backends))}), 2);
  std::vector<std::unique_ptr<proxy::McpCounters>> counters;
  std::vector<const proxy::McpCounters*> ptrs;
  for (int w = 0; w < 2; ++w) {
    counters.push_back(std::make_unique<proxy::McpCounters>());
    for (int t = 0; t < 20; ++t) {
      counters.back()->count("tools/call", "tool_" + std::to_string(t));
    }
    ptrs.push_back(counters.back().get());
  }
  for (auto& b : topo->pools()[0].backends) {
    b->stats->slot(0).requests = 123456;
  }
  ProcessStats process;
  process.cpu_seconds = 12.5;
  process.start_time_seconds = 1.7e9;
  ScrapeInput in;
  in.topology = topo.get();
  in.mcp = ptrs;
  in.process = &process;
  in.now_ns = 1;
  in.version = "x";

  MetricsWriter w;
  std::string out;
  for (int i = 0; i < 2; ++i) {  // warm up: scratch vectors and the buffer reach their size
    out.clear();
    w.write(in, out);
  }
  const size_t size = out.size();
  const long before = mcplb::test::news();
  constexpr int kScrapes = 500;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kScrapes; ++i) {
    out.clear();
    w.write(in, out);
  }
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(mcplb::test::news() - before, 0) << "allocations in " << kScrapes << " warmed-up scrapes";
  EXPECT_EQ(out.size(), size);
  const double us = std::chrono::duration<double, std::micro>(took).count() / kScrapes;
  std::printf("scrape of 100 backends: %.1f us, %zu bytes\n", us, size);
  EXPECT_LT(us, 5000.0);  // generous: a shared, loaded CI core; typically ~100 us
}

}  // namespace
}  // namespace mcplb::admin
