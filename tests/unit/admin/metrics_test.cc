// The exact /metrics text for a small synthetic topology (two workers, two pools), so any
// change to a name, label, HELP text or value shows up here.
#include "admin/metrics.h"

#include <gtest/gtest.h>

#include <memory>

#include "health/checker.h"
#include "proxy/mcp_counters.h"
#include "test_util.h"

namespace mcplb::admin {
namespace {

constexpr int64_t kNow = 1'000'000'000'000;  // steady ns

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = test::make_config(
        {test::pool("mcp", {test::backend("b1", 3001), test::backend("b2", 3002, 3)}),
         test::pool("alt", {test::backend("c1", 3003)})});
    topo_ = test::build(cfg, 2);
    auto& mcp = topo_->pools()[0];
    auto& alt = topo_->pools()[1];
    pool::Backend& b1 = *mcp.backends[0];
    b1.stats->slot(0).requests = 5;
    b1.stats->slot(1).requests = 2;
    b1.stats->slot(1).failures = 1;
    b1.stats->slot(0).active_conns = 2;
    b1.stats->slot(1).in_flight = 1;
    b1.stats->slot(0).streams = 1;
    b1.sessions = 3;
    pool::Backend& b2 = *mcp.backends[1];
    b2.state = pool::BackendState::draining;
    pool::Backend& c1 = *alt.backends[0];
    c1.ejected_until_ns = kNow + 1'000'000'000;
    c1.ejections_total = 2;

    for (auto& c : counters_) {
      c = std::make_unique<proxy::McpCounters>();
    }
    counters_[0]->count("tools/call", "echo");
    counters_[0]->count("tools/call", "echo");
    counters_[0]->count("initialize", "");
    counters_[1]->count("tools/call", "echo");
    counters_[1]->count("tools/call", "we\"ird\n");
    counters_[1]->count("bogus/method", "");
    ptrs_ = {counters_[0].get(), counters_[1].get()};

    process_.cpu_seconds = 1.5;
    process_.resident_bytes = 1048576;
    process_.virtual_bytes = 2097152;
    process_.open_fds = 7;
    process_.max_fds = 1024;
    process_.start_time_seconds = 1700000000.25;
  }

  ScrapeInput input() {
    ScrapeInput in;
    in.topology = topo_.get();
    in.mcp = ptrs_;
    in.process = &process_;
    in.now_ns = kNow;
    in.version = "9.9.9";
    return in;
  }

  proxy::TopologyPtr topo_;
  std::unique_ptr<proxy::McpCounters> counters_[2];
  std::vector<const proxy::McpCounters*> ptrs_;
  ProcessStats process_;
};

constexpr const char* kExpected = R"(# HELP mcplb_build_info mcplb build information; the value is always 1.
# TYPE mcplb_build_info gauge
mcplb_build_info{version="9.9.9"} 1
# HELP mcplb_workers Worker threads serving traffic.
# TYPE mcplb_workers gauge
mcplb_workers 2
# HELP mcplb_backend_requests_total Requests sent to the backend (each retry or failover attempt counts).
# TYPE mcplb_backend_requests_total counter
mcplb_backend_requests_total{pool="mcp",backend="b1"} 7
mcplb_backend_requests_total{pool="mcp",backend="b2"} 0
mcplb_backend_requests_total{pool="alt",backend="c1"} 0
# HELP mcplb_backend_failures_total Exchanges with the backend that failed: connect errors, read errors and timeouts.
# TYPE mcplb_backend_failures_total counter
mcplb_backend_failures_total{pool="mcp",backend="b1"} 1
mcplb_backend_failures_total{pool="mcp",backend="b2"} 0
mcplb_backend_failures_total{pool="alt",backend="c1"} 0
# HELP mcplb_retries_total Requests retried on another backend after failing on this one.
# TYPE mcplb_retries_total counter
mcplb_retries_total{pool="mcp",backend="b1"} 0
mcplb_retries_total{pool="mcp",backend="b2"} 0
mcplb_retries_total{pool="alt",backend="c1"} 0
# HELP mcplb_failovers_total MCP sessions moved from this backend to another one.
# TYPE mcplb_failovers_total counter
mcplb_failovers_total{pool="mcp",backend="b1"} 0
mcplb_failovers_total{pool="mcp",backend="b2"} 0
mcplb_failovers_total{pool="alt",backend="c1"} 0
# HELP mcplb_overload_rejections_total Requests refused with 503 because the backend was at its max_in_flight.
# TYPE mcplb_overload_rejections_total counter
mcplb_overload_rejections_total{pool="mcp",backend="b1"} 0
mcplb_overload_rejections_total{pool="mcp",backend="b2"} 0
mcplb_overload_rejections_total{pool="alt",backend="c1"} 0
# HELP mcplb_backend_in_flight Requests waiting for or streaming a response from the backend.
# TYPE mcplb_backend_in_flight gauge
mcplb_backend_in_flight{pool="mcp",backend="b1"} 1
mcplb_backend_in_flight{pool="mcp",backend="b2"} 0
mcplb_backend_in_flight{pool="alt",backend="c1"} 0
# HELP mcplb_backend_connections Upstream connections open to the backend, idle and busy.
# TYPE mcplb_backend_connections gauge
mcplb_backend_connections{pool="mcp",backend="b1"} 2
mcplb_backend_connections{pool="mcp",backend="b2"} 0
mcplb_backend_connections{pool="alt",backend="c1"} 0
# HELP mcplb_backend_streams text/event-stream responses open from the backend.
# TYPE mcplb_backend_streams gauge
mcplb_backend_streams{pool="mcp",backend="b1"} 1
mcplb_backend_streams{pool="mcp",backend="b2"} 0
mcplb_backend_streams{pool="alt",backend="c1"} 0
# HELP mcplb_backend_sessions Live MCP sessions placed on the backend.
# TYPE mcplb_backend_sessions gauge
mcplb_backend_sessions{pool="mcp",backend="b1"} 3
mcplb_backend_sessions{pool="mcp",backend="b2"} 0
mcplb_backend_sessions{pool="alt",backend="c1"} 0
# HELP mcplb_backend_weight Current balancing weight of the backend.
# TYPE mcplb_backend_weight gauge
mcplb_backend_weight{pool="mcp",backend="b1"} 1
mcplb_backend_weight{pool="mcp",backend="b2"} 3
mcplb_backend_weight{pool="alt",backend="c1"} 1
# HELP mcplb_backend_up 1 when the backend takes new requests: healthy and not ejected by passive checks.
# TYPE mcplb_backend_up gauge
mcplb_backend_up{pool="mcp",backend="b1"} 1
mcplb_backend_up{pool="mcp",backend="b2"} 0
mcplb_backend_up{pool="alt",backend="c1"} 0
# HELP mcplb_backend_state Backend state, one-hot: healthy, unhealthy (active checks), draining (admin) or ejected (passive checks).
# TYPE mcplb_backend_state gauge
mcplb_backend_state{pool="mcp",backend="b1",state="healthy"} 1
mcplb_backend_state{pool="mcp",backend="b1",state="unhealthy"} 0
mcplb_backend_state{pool="mcp",backend="b1",state="draining"} 0
mcplb_backend_state{pool="mcp",backend="b1",state="ejected"} 0
mcplb_backend_state{pool="mcp",backend="b2",state="healthy"} 0
mcplb_backend_state{pool="mcp",backend="b2",state="unhealthy"} 0
mcplb_backend_state{pool="mcp",backend="b2",state="draining"} 1
mcplb_backend_state{pool="mcp",backend="b2",state="ejected"} 0
mcplb_backend_state{pool="alt",backend="c1",state="healthy"} 0
mcplb_backend_state{pool="alt",backend="c1",state="unhealthy"} 0
mcplb_backend_state{pool="alt",backend="c1",state="draining"} 0
mcplb_backend_state{pool="alt",backend="c1",state="ejected"} 1
# HELP mcplb_backend_ejections_total Passive-health ejections of the backend (max_fails and consecutive errors).
# TYPE mcplb_backend_ejections_total counter
mcplb_backend_ejections_total{pool="mcp",backend="b1"} 0
mcplb_backend_ejections_total{pool="mcp",backend="b2"} 0
mcplb_backend_ejections_total{pool="alt",backend="c1"} 2
# HELP mcplb_pool_backends Backends configured in the pool.
# TYPE mcplb_pool_backends gauge
mcplb_pool_backends{pool="mcp"} 2
mcplb_pool_backends{pool="alt"} 1
# HELP mcplb_pool_ready_backends Backends of the pool that take new requests (0 means the pool is down).
# TYPE mcplb_pool_ready_backends gauge
mcplb_pool_ready_backends{pool="mcp"} 1
mcplb_pool_ready_backends{pool="alt"} 0
# HELP mcplb_mcp_requests_total MCP JSON-RPC requests by method (unknown methods count as "other").
# TYPE mcplb_mcp_requests_total counter
mcplb_mcp_requests_total{method="initialize"} 1
mcplb_mcp_requests_total{method="notifications/initialized"} 0
mcplb_mcp_requests_total{method="ping"} 0
mcplb_mcp_requests_total{method="tools/list"} 0
mcplb_mcp_requests_total{method="tools/call"} 4
mcplb_mcp_requests_total{method="resources/list"} 0
mcplb_mcp_requests_total{method="resources/read"} 0
mcplb_mcp_requests_total{method="resources/templates/list"} 0
mcplb_mcp_requests_total{method="prompts/list"} 0
mcplb_mcp_requests_total{method="prompts/get"} 0
mcplb_mcp_requests_total{method="completion/complete"} 0
mcplb_mcp_requests_total{method="logging/setLevel"} 0
mcplb_mcp_requests_total{method="server/discover"} 0
mcplb_mcp_requests_total{method="notifications/cancelled"} 0
mcplb_mcp_requests_total{method="tasks/get"} 0
mcplb_mcp_requests_total{method="other"} 1
# HELP mcplb_mcp_tool_calls_total MCP tools/call requests by tool name (beyond 256 distinct names: "other").
# TYPE mcplb_mcp_tool_calls_total counter
mcplb_mcp_tool_calls_total{tool="echo"} 3
mcplb_mcp_tool_calls_total{tool="we\"ird\n"} 1
# HELP mcplb_process_cpu_seconds_total User and system CPU time spent by the process in seconds.
# TYPE mcplb_process_cpu_seconds_total counter
mcplb_process_cpu_seconds_total 1.5
# HELP mcplb_process_resident_memory_bytes Resident memory size in bytes.
# TYPE mcplb_process_resident_memory_bytes gauge
mcplb_process_resident_memory_bytes 1048576
# HELP mcplb_process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE mcplb_process_virtual_memory_bytes gauge
mcplb_process_virtual_memory_bytes 2097152
# HELP mcplb_process_open_fds Open file descriptors.
# TYPE mcplb_process_open_fds gauge
mcplb_process_open_fds 7
# HELP mcplb_process_max_fds Maximum number of open file descriptors.
# TYPE mcplb_process_max_fds gauge
mcplb_process_max_fds 1024
# HELP mcplb_process_start_time_seconds Start time of the process since the Unix epoch in seconds.
# TYPE mcplb_process_start_time_seconds gauge
mcplb_process_start_time_seconds 1700000000.25
)";

TEST_F(MetricsTest, ExactExposition) {
  std::string out;
  MetricsWriter w;
  w.write(input(), out);
  EXPECT_EQ(out, kExpected);
  // A second scrape into the cleared buffer gives the same text (scratch state is reset).
  out.clear();
  w.write(input(), out);
  EXPECT_EQ(out, kExpected);
}

TEST_F(MetricsTest, HealthFamiliesFromTheChecker) {
  std::vector<health::Target> targets;
  auto spec = std::make_shared<health::ProbeSpec>();
  const auto& mcp = topo_->pools()[0];
  for (size_t i = 0; i < mcp.backends.size(); ++i) {
    targets.push_back(health::Target{mcp.backends[i], mcp.endpoints[i], spec, "mcp"});
  }
  health::Checker checker(std::move(targets));  // never started: zero probes, initial health
  ScrapeInput in = input();
  in.checker = &checker;
  in.process = nullptr;
  std::string out;
  MetricsWriter w;
  w.write(in, out);
  const std::string health_part = out.substr(out.find("# HELP mcplb_health_probes_total"),
                                             out.find("# HELP mcplb_mcp_requests_total") -
                                                 out.find("# HELP mcplb_health_probes_total"));
  EXPECT_EQ(health_part, R"(# HELP mcplb_health_probes_total Active health probes sent.
# TYPE mcplb_health_probes_total counter
mcplb_health_probes_total{pool="mcp",backend="b1"} 0
mcplb_health_probes_total{pool="mcp",backend="b2"} 0
# HELP mcplb_health_probe_failures_total Active health probes that failed.
# TYPE mcplb_health_probe_failures_total counter
mcplb_health_probe_failures_total{pool="mcp",backend="b1"} 0
mcplb_health_probe_failures_total{pool="mcp",backend="b2"} 0
# HELP mcplb_health_healthy 1 when the active checks consider the backend healthy (whatever the admin state).
# TYPE mcplb_health_healthy gauge
mcplb_health_healthy{pool="mcp",backend="b1"} 1
mcplb_health_healthy{pool="mcp",backend="b2"} 1
# HELP mcplb_health_consecutive_failures Active probes failed in a row for the backend.
# TYPE mcplb_health_consecutive_failures gauge
mcplb_health_consecutive_failures{pool="mcp",backend="b1"} 0
mcplb_health_consecutive_failures{pool="mcp",backend="b2"} 0
)");
  EXPECT_EQ(out.find("mcplb_process_"), std::string::npos);
}

TEST_F(MetricsTest, StateLabel) {
  const auto& b = *topo_->pools()[1].backends[0];
  EXPECT_STREQ(state_label(b, kNow), "ejected");
  EXPECT_STREQ(state_label(b, kNow + 1'000'000'000), "healthy");  // the ejection has ended
  auto& b2 = *topo_->pools()[0].backends[1];
  b2.ejected_until_ns = kNow + 5;
  EXPECT_STREQ(state_label(b2, kNow), "draining");  // the admin state wins
}

TEST(ProcessStats, ReadsThisProcess) {
  ProcessStats p;
  ASSERT_TRUE(read_process_stats(p));
  EXPECT_GT(p.resident_bytes, 1u << 20);
  EXPECT_GE(p.virtual_bytes, p.resident_bytes);
  EXPECT_GE(p.open_fds, 3u);  // stdin, stdout, stderr at least
  EXPECT_GT(p.max_fds, p.open_fds);
  EXPECT_GE(p.cpu_seconds, 0.0);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(p.start_time_seconds, now - 3600);
  EXPECT_LE(p.start_time_seconds, now + 1);
}

}  // namespace
}  // namespace mcplb::admin
