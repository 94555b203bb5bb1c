// Per-worker request statistics: bucket selection, where a request is recorded, sums over
// workers, the quantile estimate, and their Prometheus exposition (admin/metrics.cc).
#include "proxy/request_stats.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "admin/metrics.h"
#include "config/load.h"
#include "proxy/topology.h"

namespace mcplb::proxy {
namespace {

using boost::beast::http::verb;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

TEST(RequestStats, BucketBoundsAreInclusive) {
  EXPECT_EQ(RequestStats::bucket(-5), 0u);
  EXPECT_EQ(RequestStats::bucket(0), 0u);
  EXPECT_EQ(RequestStats::bucket(1 * kMs), 0u);  // le="0.001" holds exactly 1 ms
  EXPECT_EQ(RequestStats::bucket(1 * kMs + 1), 1u);
  EXPECT_EQ(RequestStats::bucket(2'500'000), 1u);
  EXPECT_EQ(RequestStats::bucket(3 * kMs), 2u);
  EXPECT_EQ(RequestStats::bucket(1 * kSec), 9u);
  EXPECT_EQ(RequestStats::bucket(300 * kSec), 16u);
  EXPECT_EQ(RequestStats::bucket(300 * kSec + 1), 17u);  // +Inf
  EXPECT_EQ(RequestStats::bucket(INT64_MAX), 17u);
  // Every bound lands in its own bucket, one nanosecond more in the next.
  for (size_t i = 0; i < RequestStats::kBoundsNs.size(); ++i) {
    EXPECT_EQ(RequestStats::bucket(RequestStats::kBoundsNs[i]), i);
    EXPECT_EQ(RequestStats::bucket(RequestStats::kBoundsNs[i] + 1), i + 1);
  }
}

TEST(RequestStats, BoundsMatchTheirLabels) {
  for (size_t i = 0; i < RequestStats::kBoundsNs.size(); ++i) {
    EXPECT_DOUBLE_EQ(std::stod(std::string(RequestStats::kBucketLabels[i])),
                     static_cast<double>(RequestStats::kBoundsNs[i]) / 1e9);
  }
}

TEST(RequestStats, StatusClass) {
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(101)], "1xx");
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(200)], "2xx");
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(304)], "3xx");
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(499)], "4xx");
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(599)], "5xx");
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(0)], "other");
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(600)], "other");
  EXPECT_EQ(RequestStats::kClasses[RequestStats::status_class(99)], "other");
}

RequestRecord rec(int pool, int backend, unsigned status, Origin origin,
                  verb method = verb::post) {
  RequestRecord r;
  r.begin({});
  r.pool = pool;
  r.backend = backend;
  r.status = status;
  r.origin = origin;
  r.http_method = method;
  return r;
}

uint64_t responses(const RequestStats::Cell& c, size_t cls, size_t origin) {
  return c.responses[cls][origin].load();
}
uint64_t count(const RequestStats::Histogram& h) {
  HistogramSum s;
  s.add(h);
  return s.count();
}

TEST(RequestStats, RecordsByPoolBackendClassAndOrigin) {
  const size_t sizes[] = {2, 1};
  RequestStats s(sizes);
  EXPECT_EQ(s.pools(), 2u);
  EXPECT_EQ(s.backends(0), 2u);
  s.record(rec(0, 1, 200, Origin::backend), 3 * kMs);
  s.record(rec(0, 1, 503, Origin::mcplb), 1 * kMs);
  s.record(rec(0, -1, 502, Origin::mcplb), 2 * kMs);  // no backend: the pool's extra cell
  s.record(rec(0, 7, 200, Origin::backend), 2 * kMs);  // out of range: same extra cell
  s.record(rec(-1, -1, 404, Origin::mcplb), 1);       // no pool: the last cell
  s.record(rec(1, 0, 0, Origin::none), 1);            // no response: nothing at all

  EXPECT_EQ(responses(s.at(0, 1), 1, 0), 1u);
  EXPECT_EQ(responses(s.at(0, 1), 4, 1), 1u);
  EXPECT_EQ(count(s.at(0, 1).duration), 2u);
  EXPECT_EQ(s.at(0, 1).duration.sum_ns.load(), uint64_t(4 * kMs));
  EXPECT_EQ(s.at(0, 1).duration.buckets[2].load(), 1u);  // 3 ms in (2.5, 5] ms
  EXPECT_EQ(s.at(0, 1).duration.buckets[0].load(), 1u);  // 1 ms in [0, 1] ms
  EXPECT_EQ(responses(s.at(0, 2), 4, 1), 1u);
  EXPECT_EQ(responses(s.at(0, 2), 1, 0), 1u);
  EXPECT_EQ(count(s.at(0, 2).duration), 2u);
  EXPECT_EQ(responses(s.at(2, 0), 3, 1), 1u);
  EXPECT_EQ(count(s.at(2, 0).duration), 1u);
  EXPECT_EQ(count(s.at(0, 0).duration), 0u);
  for (size_t k = 0; k < RequestStats::kClasses.size(); ++k) {
    EXPECT_EQ(responses(s.at(1, 0), k, 0) + responses(s.at(1, 0), k, 1), 0u);
  }
}

TEST(RequestStats, EventStreamGetCountsButIsNotTimed) {
  const size_t sizes[] = {1};
  RequestStats s(sizes);
  RequestRecord get = rec(0, 0, 200, Origin::backend, verb::get);
  get.stream = true;
  get.mcp_method = 3;
  s.record(get, 300 * kSec);
  RequestRecord post = rec(0, 0, 200, Origin::backend, verb::post);
  post.stream = true;  // a POST answered with an SSE stream is one request: timed
  post.mcp_method = 4;
  s.record(post, 40 * kMs);
  EXPECT_EQ(responses(s.at(0, 0), 1, 0), 2u);
  EXPECT_EQ(count(s.at(0, 0).duration), 1u);
  EXPECT_EQ(s.at(0, 0).duration.buckets[5].load(), 1u);  // (25, 50] ms
  EXPECT_EQ(count(s.method(3)), 0u);
  EXPECT_EQ(count(s.method(4)), 1u);
  RequestRecord plain = rec(0, 0, 200, Origin::backend, verb::get);  // a GET, not a stream
  plain.mcp_method = RequestRecord::kNoMethod;
  s.record(plain, 1);
  EXPECT_EQ(count(s.at(0, 0).duration), 2u);
  for (size_t m = 0; m < RequestStats::kMethods; ++m) {
    EXPECT_EQ(count(s.method(m)), m == 4 ? 1u : 0u) << m;
  }
}

TEST(RequestStats, SumsOverWorkers) {
  const size_t sizes[] = {2};
  RequestStats w0(sizes);
  RequestStats w1(sizes);
  for (int i = 0; i < 3; ++i) {
    w0.record(rec(0, 0, 200, Origin::backend), 2 * kMs);
  }
  w1.record(rec(0, 0, 200, Origin::backend), 20 * kMs);
  w1.record(rec(0, 0, 502, Origin::mcplb), 2 * kSec);
  RequestRecord m = rec(0, 1, 200, Origin::backend);
  m.mcp_method = 4;
  w0.record(m, 1 * kMs);
  w1.record(m, 7 * kSec);
  const RequestStats* workers[] = {&w0, &w1};

  CellSum c = sum_cell(workers, 0, 0);
  EXPECT_EQ(c.responses[1][0], 4u);
  EXPECT_EQ(c.responses[4][1], 1u);
  EXPECT_EQ(c.duration.count(), 5u);
  EXPECT_EQ(c.duration.sum_ns, uint64_t(6 * kMs + 20 * kMs + 2 * kSec));
  EXPECT_EQ(c.duration.buckets[1], 3u);
  EXPECT_EQ(c.duration.buckets[4], 1u);  // 20 ms in (10, 25] ms
  EXPECT_EQ(c.duration.buckets[10], 1u);

  HistogramSum h = sum_method(workers, 4);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.buckets[0], 1u);
  EXPECT_EQ(h.buckets[12], 1u);  // 7 s in (5, 10]
  EXPECT_EQ(sum_method(workers, 0).count(), 0u);
}

TEST(RequestStats, QuantileInterpolatesLikePrometheus) {
  HistogramSum h;
  EXPECT_EQ(h.quantile(0.99), 0.0);
  h.buckets[0] = 50;  // [0, 1] ms
  h.buckets[1] = 50;  // (1, 2.5] ms
  EXPECT_DOUBLE_EQ(h.quantile(0.5), 0.001);
  EXPECT_DOUBLE_EQ(h.quantile(0.75), 0.001 + 0.0015 * 0.5);
  EXPECT_DOUBLE_EQ(h.quantile(0.25), 0.0005);
  h.buckets[17] = 100;  // +Inf: the last finite bound
  EXPECT_DOUBLE_EQ(h.quantile(0.99), 300.0);
}

// ---- exposition ----

TopologyPtr topology(size_t workers) {
  auto r = config::load_string(
      "pools:\n"
      "  mcp: {backends: [{name: b1, address: \"127.0.0.1:1001\"},"
      " {name: b2, address: \"127.0.0.1:1002\"}]}\n"
      "  alt: {backends: [{name: c1, address: \"127.0.0.1:1003\"}]}\n"
      "routes:\n"
      "  - {match: {path_prefix: /alt}, pool: alt}\n"
      "  - {match: {path_prefix: /}, pool: mcp}\n",
      "t.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].str());
  std::string err;
  auto t = Topology::build(*r.config, workers, err);
  EXPECT_TRUE(t) << err;
  return t;
}

// The lines of `text` that start with `prefix`, joined.
std::string lines(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    std::string line = text.substr(at, end - at);
    if (line.starts_with(prefix)) {
      out += line + "\n";
    }
    at = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
}

class Exposition : public ::testing::Test {
 protected:
  void SetUp() override {
    topo_ = topology(2);
    w0_ = std::make_unique<RequestStats>(*topo_);
    w1_ = std::make_unique<RequestStats>(*topo_);
    counters_.mcp = {&m0_, &m1_};
    counters_.requests = {w0_.get(), w1_.get()};
  }
  std::string scrape() {
    admin::ScrapeInput in;
    in.topology = topo_.get();
    in.mcp = counters_;
    in.now_ns = 1;
    in.version = "t";
    std::string out;
    admin::MetricsWriter w;
    w.write(in, out);
    return out;
  }

  TopologyPtr topo_;
  McpCounters m0_, m1_;
  std::unique_ptr<RequestStats> w0_, w1_;
  WorkerCounters counters_;
};

TEST_F(Exposition, ResponsesOnlyNonZeroSeries) {
  w0_->record(rec(0, 0, 200, Origin::backend), 1);
  w1_->record(rec(0, 0, 200, Origin::backend), 1);
  w1_->record(rec(1, -1, 502, Origin::mcplb), 1);
  w0_->record(rec(-1, -1, 421, Origin::mcplb), 1);
  const std::string text = scrape();
  EXPECT_EQ(lines(text, "mcplb_responses_total") + lines(text, "# TYPE mcplb_responses_total"),
            "mcplb_responses_total{pool=\"mcp\",backend=\"b1\",class=\"2xx\","
            "origin=\"backend\"} 2\n"
            "mcplb_responses_total{pool=\"alt\",backend=\"\",class=\"5xx\",origin=\"mcplb\"} 1\n"
            "mcplb_responses_total{pool=\"\",backend=\"\",class=\"4xx\",origin=\"mcplb\"} 1\n"
            "# TYPE mcplb_responses_total counter\n");
}

TEST_F(Exposition, HistogramPerConfiguredBackendAlways) {
  w0_->record(rec(0, 1, 200, Origin::backend), 3 * kMs);
  w1_->record(rec(0, 1, 200, Origin::backend), 2 * kSec);
  const std::string text = scrape();
  EXPECT_EQ(lines(text, "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\""),
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.001\"} 0\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.0025\"} 0\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.005\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.01\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.025\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.05\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.1\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.25\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"0.5\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"1\"} 1\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"2.5\"} 2\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"5\"} 2\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"10\"} 2\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"30\"} 2\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"60\"} 2\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"120\"} 2\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"300\"} 2\n"
            "mcplb_request_duration_seconds_bucket{pool=\"mcp\",backend=\"b2\",le=\"+Inf\"} 2\n");
  EXPECT_NE(text.find("mcplb_request_duration_seconds_sum{pool=\"mcp\",backend=\"b2\"} 2.003\n"),
            std::string::npos);
  EXPECT_NE(text.find("mcplb_request_duration_seconds_count{pool=\"mcp\",backend=\"b2\"} 2\n"),
            std::string::npos);
  // Untouched configured backends are there with zeros; the "no backend" cells are not.
  EXPECT_NE(text.find("mcplb_request_duration_seconds_count{pool=\"alt\",backend=\"c1\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(text.find("mcplb_request_duration_seconds_count{pool=\"mcp\",backend=\"\"}"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE mcplb_request_duration_seconds histogram\n"), std::string::npos);
  // Method histograms are there before any MCP request, zeros included.
  EXPECT_NE(text.find("mcplb_mcp_request_duration_seconds_count{method=\"initialize\"} 0\n"),
            std::string::npos);
}

TEST_F(Exposition, MethodHistogramsForEveryMethod) {
  RequestRecord r = rec(0, 0, 200, Origin::backend);
  r.mcp_method = 4;  // tools/call
  w1_->record(r, 40 * kMs);
  r.mcp_method = 2;  // ping
  w0_->record(r, 1);
  const std::string text = scrape();
  std::string want;
  for (std::string_view m : McpCounters::kMethods) {
    want += "mcplb_mcp_request_duration_seconds_count{method=\"" + std::string(m) + "\"} " +
            (m == "tools/call" || m == "ping" ? "1" : "0") + "\n";
  }
  EXPECT_EQ(lines(text, "mcplb_mcp_request_duration_seconds_count"), want);
  EXPECT_NE(text.find("mcplb_mcp_request_duration_seconds_bucket{method=\"tools/call\","
                      "le=\"0.05\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("mcplb_mcp_request_duration_seconds_bucket{method=\"tools/call\","
                      "le=\"0.025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("mcplb_mcp_request_duration_seconds_sum{method=\"tools/call\"} 0.04\n"),
            std::string::npos);
  EXPECT_NE(text.find("mcplb_mcp_request_duration_seconds_sum{method=\"ping\"} 1e-09\n"),
            std::string::npos);
}

TEST_F(Exposition, WithoutRequestStatsNoRequestFamilies) {
  admin::ScrapeInput in;
  in.topology = topo_.get();
  std::vector<const McpCounters*> mcp{&m0_};
  in.mcp = mcp;
  std::string out;
  admin::MetricsWriter w;
  w.write(in, out);
  EXPECT_EQ(out.find("mcplb_request_duration_seconds"), std::string::npos);
  EXPECT_NE(out.find("mcplb_retries_total{pool=\"mcp\",backend=\"b1\"} 0\n"), std::string::npos);
  EXPECT_NE(out.find("# TYPE mcplb_backend_ejections_total counter\n"), std::string::npos);
}

}  // namespace
}  // namespace mcplb::proxy
