// Recording a request (statistics and access log line) allocates nothing, and a warmed-up
// scrape with the request families allocates nothing either. Counted by replacing the global
// scalar operator new for this test binary (this thread only).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "admin/metrics.h"
#include "config/load.h"
#include "proxy/access_log.h"
#include "proxy/request_stats.h"
#include "proxy/topology.h"
#include "count_new.h"

namespace mcplb::proxy {
namespace {

TopologyPtr hundred_backends(size_t workers) {
  std::string yaml = "pools:\n  mcp:\n    backends:\n";
  for (int i = 0; i < 100; ++i) {
    yaml += "      - {name: backend-" + std::to_string(i) + ", address: \"127.0.0.1:" +
            std::to_string(20000 + i) + "\"}\n";
  }
  auto r = config::load_string(yaml, "t.yaml");
  EXPECT_TRUE(r.ok());
  std::string err;
  return Topology::build(*r.config, workers, err);
}

TEST(RequestPath, RecordAndFormatAllocateNothing) {
  auto topo = hundred_backends(1);
  ASSERT_TRUE(topo);
  RequestStats stats(*topo);
  AccessLogWriter writer;
  RequestRecord r;
  r.begin({});
  r.pool = 0;
  r.status = 200;
  r.origin = Origin::backend;
  r.mcp_method = 4;
  r.set_tool("a_tool_with_a_longer_name\"and quotes\"");
  AccessEntry e;
  e.client = "127.0.0.1";
  e.pool = "mcp";
  e.backend = "backend-1";
  e.method = "POST";
  e.mcp_method = "tools/call";
  e.tool = r.tool_name();
  e.status = 200;
  e.origin = Origin::backend;
  e.session_hash = 42;
  size_t bytes = 0;
  const long before = mcplb::test::news();
  constexpr int kN = 100'000;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kN; ++i) {
    r.backend = i % 100;
    stats.record(r, int64_t{i} * 997);
  }
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < kN; ++i) {
    e.unix_ns = int64_t{1'700'000'000} * 1'000'000'000 + int64_t{i} * 1'000'000;
    e.duration_ns = i;
    bytes += writer.format(e).size();
  }
  auto t2 = std::chrono::steady_clock::now();
  EXPECT_EQ(mcplb::test::news() - before, 0);
  EXPECT_GT(bytes, 0u);
  std::printf("record: %.1f ns per request; access line: %.0f ns (%zu bytes)\n",
              std::chrono::duration<double, std::nano>(t1 - t0).count() / kN,
              std::chrono::duration<double, std::nano>(t2 - t1).count() / kN, bytes / kN);
}

TEST(RequestPath, ScrapeWithRequestFamiliesAllocatesNothingWhenWarm) {
  auto topo = hundred_backends(2);
  ASSERT_TRUE(topo);
  RequestStats w0(*topo);
  RequestStats w1(*topo);
  McpCounters m0;
  McpCounters m1;
  RequestRecord r;
  r.begin({});
  r.pool = 0;
  r.origin = Origin::backend;
  r.mcp_method = 4;
  for (int i = 0; i < 1000; ++i) {
    r.backend = i % 100;
    r.status = i % 7 == 0 ? 502 : 200;
    (i % 2 ? w0 : w1).record(r, int64_t{i} * 1'000'000);
  }
  m0.count("tools/call", "x");
  WorkerCounters counters;
  counters.mcp = {&m0, &m1};
  counters.requests = {&w0, &w1};
  admin::ScrapeInput in;
  in.topology = topo.get();
  in.mcp = counters;
  in.now_ns = 1;
  in.version = "x";
  admin::MetricsWriter w;
  std::string out;
  for (int i = 0; i < 2; ++i) {
    out.clear();
    w.write(in, out);
  }
  const size_t size = out.size();
  const long before = mcplb::test::news();
  constexpr int kScrapes = 100;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kScrapes; ++i) {
    out.clear();
    w.write(in, out);
  }
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(mcplb::test::news() - before, 0);
  EXPECT_EQ(out.size(), size);
  std::printf("scrape of 100 backends with request histograms: %.1f us, %zu bytes\n",
              std::chrono::duration<double, std::micro>(took).count() / kScrapes, size);
}

}  // namespace
}  // namespace mcplb::proxy
