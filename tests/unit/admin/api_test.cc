// The admin routes over real HTTP on 127.0.0.1: a proxy::Server (its listener on an
// ephemeral port, backends never contacted) and an AdminServer in front of it.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "admin/server.h"
#include "health/checker.h"
#include "proxy/server.h"
#include "test_util.h"

namespace mcplb::admin {
namespace {

using namespace std::chrono_literals;
using test::Client;
using test::Headers;
using test::Reply;

class AdminApi : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256);
    old_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("admin_test", log_));
  }
  void TearDown() override {
    admin_.reset();
    server_.reset();
    spdlog::set_default_logger(old_logger_);
  }

  void start(Options opts = {}, config::Config cfg = default_config()) {
    topo_ = test::build(cfg, 1);
    server_ = std::make_unique<proxy::Server>(topo_);
    std::string err;
    ASSERT_TRUE(server_->start(err)) << err;
    admin_ = std::make_unique<AdminServer>(
        *server_, net::tcp::endpoint(net::asio::ip::make_address("127.0.0.1"), 0),
        std::move(opts));
    ASSERT_TRUE(admin_->start(err)) << err;
    port_ = admin_->bound_endpoint().port();
    ASSERT_NE(port_, 0);
  }

  static config::Config default_config() {
    return test::make_config(
        {test::pool("mcp", {test::backend("b1", test::dead_port()),
                            test::backend("b2", test::dead_port(), 2)}),
         test::pool("alt", {test::backend("c1", test::dead_port())})});
  }

  pool::Backend& backend(size_t pool, size_t i) { return *topo_->pools()[pool].backends[i]; }

  Reply get(std::string_view target, const Headers& h = {}) {
    return test::one_request(port_, "GET", target, {}, h);
  }
  Reply post(std::string_view target, const Headers& h = {}) {
    return test::one_request(port_, "POST", target, {}, h);
  }
  Reply put_weight(std::string_view target, std::string_view body) {
    return test::one_request(port_, "PUT", target, body, {{"Content-Type", "application/json"}});
  }

  bool logged(std::string_view needle) {
    for (const auto& line : log_->last_formatted()) {
      if (line.find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  /// The parsed JSON body (kept alive by the fixture's parser until the next call).
  simdjson::dom::element json(const Reply& r) {
    simdjson::dom::element e;
    auto err = parser_.parse(r.body).get(e);
    EXPECT_FALSE(err) << "not JSON: " << r.body;
    return e;
  }

  std::string error_of(const Reply& r) {
    std::string_view msg;
    EXPECT_FALSE(json(r)["error"].get(msg)) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    return std::string(msg);
  }

  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_;
  std::shared_ptr<spdlog::logger> old_logger_;
  proxy::TopologyPtr topo_;
  std::unique_ptr<proxy::Server> server_;
  std::unique_ptr<AdminServer> admin_;
  uint16_t port_ = 0;
  simdjson::dom::parser parser_;
};

TEST_F(AdminApi, MetricsOverHttpWithKeepAlive) {
  start();
  Client c(port_);
  for (int i = 0; i < 3; ++i) {
    Reply r = c.call("GET", "/metrics");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_TRUE(r.keep_alive);
    EXPECT_NE(r.body.find("mcplb_backend_requests_total{pool=\"mcp\",backend=\"b1\"} 0\n"),
              std::string::npos);
    EXPECT_NE(r.body.find("mcplb_backend_weight{pool=\"mcp\",backend=\"b2\"} 2\n"),
              std::string::npos);
    EXPECT_NE(r.body.find("mcplb_build_info{version=\"" + std::string(Api::version()) + "\"} 1\n"),
              std::string::npos);
    EXPECT_NE(r.body.find("\nmcplb_process_resident_memory_bytes "), std::string::npos);
    EXPECT_NE(r.body.find("\nmcplb_process_start_time_seconds "), std::string::npos);
    EXPECT_NE(r.body.find("mcplb_mcp_requests_total{method=\"tools/call\"} 0\n"),
              std::string::npos);
    EXPECT_EQ(r.body.find("mcplb_health_"), std::string::npos);  // no checker configured
  }
  Reply q = c.call("GET", "/metrics?x=1");  // a query string is ignored
  EXPECT_EQ(q.status, 200u);
}

TEST_F(AdminApi, ListBackends) {
  start();
  backend(0, 0).stats->slot(0).requests = 4;
  Reply r = get("/api/backends");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  simdjson::dom::array arr;
  ASSERT_FALSE(json(r).get(arr));
  ASSERT_EQ(arr.size(), 3u);
  auto b1 = arr.at(0);
  EXPECT_EQ(std::string_view(b1["pool"]), "mcp");
  EXPECT_EQ(std::string_view(b1["backend"]), "b1");
  EXPECT_EQ(std::string_view(b1["address"]), backend(0, 0).address);
  EXPECT_EQ(uint64_t(b1["weight"]), 1u);
  EXPECT_EQ(std::string_view(b1["state"]), "healthy");
  EXPECT_TRUE(bool(b1["ready"]));
  EXPECT_EQ(uint64_t(b1["requests"]), 4u);
  EXPECT_EQ(uint64_t(b1["failures"]), 0u);
  EXPECT_EQ(uint64_t(b1["in_flight"]), 0u);
  EXPECT_EQ(uint64_t(b1["sessions"]), 0u);
  EXPECT_EQ(uint64_t(b1["streams"]), 0u);
  EXPECT_EQ(uint64_t(b1["ejected_until_ms"]), 0u);
  EXPECT_TRUE(b1["health"].is_null());
  EXPECT_EQ(std::string_view(arr.at(2)["pool"]), "alt");

  Reply one = get("/api/pools/mcp/backends/b2");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(uint64_t(json(one)["weight"]), 2u);
}

TEST_F(AdminApi, DrainAndUndrain) {
  start();
  Reply r = post("/api/pools/mcp/backends/b1/drain");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(std::string_view(json(r)["state"]), "draining");
  EXPECT_FALSE(bool(json(r)["ready"]));
  EXPECT_GT(uint64_t(json(r)["drain_remaining_ms"]), 29'000u);  // pool drain_timeout 30 s
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(backend(0, 1).state.load(), pool::BackendState::healthy);
  EXPECT_TRUE(logged("admin: backend b1 pool mcp: healthy -> draining"));

  // Draining twice is harmless.
  EXPECT_EQ(post("/api/pools/mcp/backends/b1/drain").status, 200u);
  EXPECT_TRUE(logged("admin: backend b1 pool mcp: already draining"));

  Reply m = get("/metrics");
  EXPECT_NE(m.body.find("mcplb_backend_state{pool=\"mcp\",backend=\"b1\",state=\"draining\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("mcplb_backend_up{pool=\"mcp\",backend=\"b1\"} 0"), std::string::npos);

  Reply u = post("/api/pools/mcp/backends/b1/undrain");
  ASSERT_EQ(u.status, 200u) << u.body;
  EXPECT_EQ(std::string_view(json(u)["state"]), "healthy");
  EXPECT_EQ(uint64_t(json(u)["drain_remaining_ms"]), 0u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
  EXPECT_EQ(backend(0, 0).drain_deadline_ns.load(), 0);
  EXPECT_TRUE(logged("admin: backend b1 pool mcp: draining -> healthy"));
}

TEST_F(AdminApi, Weight) {
  start();
  Reply r = put_weight("/api/pools/mcp/backends/b2/weight", R"({"weight": 7})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(uint64_t(json(r)["weight"]), 7u);
  EXPECT_EQ(backend(0, 1).weight.load(), 7u);
  EXPECT_TRUE(logged("admin: backend b2 pool mcp: weight 2 -> 7"));
  EXPECT_EQ(put_weight("/api/pools/mcp/backends/b2/weight", R"({"weight":1000})").status, 200u);
  EXPECT_EQ(put_weight("/api/pools/mcp/backends/b2/weight", R"({"weight":1})").status, 200u);

  for (std::string_view bad : {"", "nope", "[]", "{}", R"({"weight": 0})", R"({"weight": 1001})",
                               R"({"weight": -3})", R"({"weight": "5"})", R"({"weight": 2.5})",
                               R"({"weight": 5, "x": 1})", R"({"weight": 5)"}) {
    Reply b = put_weight("/api/pools/mcp/backends/b2/weight", bad);
    EXPECT_EQ(b.status, 400u) << bad;
    EXPECT_NE(error_of(b).find("weight"), std::string::npos) << bad;
  }
  EXPECT_EQ(backend(0, 1).weight.load(), 1u);
}

TEST_F(AdminApi, NotFound) {
  start();
  Reply p = post("/api/pools/nope/backends/b1/drain");
  EXPECT_EQ(p.status, 404u);
  EXPECT_EQ(error_of(p), "unknown pool 'nope'");
  Reply b = post("/api/pools/alt/backends/b1/drain");
  EXPECT_EQ(b.status, 404u);
  EXPECT_EQ(error_of(b), "unknown backend 'b1' in pool 'alt'");
  for (std::string_view t : {"/", "/nothing", "/api", "/api/nope", "/api/pools/mcp",
                             "/api/pools/mcp/backends", "/api/pools/mcp/backends/b1/explode",
                             "/api/pools/mcp/backends/b1/drain/more", "/api/pools//backends/b1",
                             "/metrics/x"}) {
    Reply r = get(t);
    EXPECT_EQ(r.status, 404u) << t;
    EXPECT_EQ(error_of(r), "not found") << t;
  }
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
}

TEST_F(AdminApi, PercentEncodedNames) {
  start();
  EXPECT_EQ(post("/api/pools/m%63p/backends/b%31/drain").status, 200u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(post("/api/pools/mcp/backends/b%2F1/drain").status, 400u);
  EXPECT_EQ(post("/api/pools/mcp/backends/b%3/drain").status, 400u);
  EXPECT_EQ(post("/api/pools/mcp/backends/b%zz/drain").status, 400u);
}

TEST_F(AdminApi, MethodNotAllowed) {
  start();
  struct Case {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const Case& c : {Case{"GET", "/api/pools/mcp/backends/b1/drain", "POST"},
                        Case{"PUT", "/api/pools/mcp/backends/b1/undrain", "POST"},
                        Case{"POST", "/api/pools/mcp/backends/b1/weight", "PUT"},
                        Case{"GET", "/api/pools/mcp/backends/b1/weight", "PUT"},
                        Case{"DELETE", "/api/backends", "GET"},
                        Case{"POST", "/api/pools/mcp/backends/b1", "GET"},
                        Case{"POST", "/metrics", "GET"},
                        Case{"HEAD", "/healthz", "GET"}}) {
    Reply r = test::one_request(port_, c.method, c.target);
    EXPECT_EQ(r.status, 405u) << c.method << " " << c.target;
    EXPECT_EQ(r.header("allow"), c.allow) << c.method << " " << c.target;
  }
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
}

TEST_F(AdminApi, BearerToken) {
  Options o;
  o.token = "s3cret-token";
  start(o);
  Reply none = post("/api/pools/mcp/backends/b1/drain");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"mcplb\"");
  EXPECT_EQ(error_of(none), "missing or wrong bearer token");
  for (std::string_view bad : {"Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token2",
                               "Basic s3cret-token", "s3cret-token", "Bearer", "Bearer ",
                               "Bearers3cret-token"}) {
    Reply r = post("/api/pools/mcp/backends/b1/drain", {{"Authorization", std::string(bad)}});
    EXPECT_EQ(r.status, 401u) << bad;
  }
  // Unknown routes under /api are 401 too: nothing is revealed without the token.
  EXPECT_EQ(get("/api/pools/nope/backends/x").status, 401u);
  EXPECT_EQ(get("/api/backends").status, 401u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);

  EXPECT_EQ(post("/api/pools/mcp/backends/b1/drain",
                 {{"Authorization", "Bearer s3cret-token"}}).status, 200u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(post("/api/pools/mcp/backends/b1/undrain",
                 {{"Authorization", "bearer   s3cret-token "}}).status, 200u);
  EXPECT_EQ(get("/api/backends", {{"Authorization", "Bearer s3cret-token"}}).status, 200u);
  // /metrics, /healthz and /readyz stay open.
  EXPECT_EQ(get("/metrics").status, 200u);
  EXPECT_EQ(get("/healthz").status, 200u);
  EXPECT_EQ(get("/readyz").status, 200u);
}

TEST_F(AdminApi, MetricsToken) {
  Options o;
  o.metrics_token = "scrape";
  start(o);
  EXPECT_EQ(get("/metrics").status, 401u);
  EXPECT_EQ(get("/metrics", {{"Authorization", "Bearer nope"}}).status, 401u);
  EXPECT_EQ(get("/metrics", {{"Authorization", "Bearer scrape"}}).status, 200u);
  EXPECT_EQ(get("/api/backends").status, 200u);  // no api token set
}

TEST(TokenMatches, ComparesWholeTokens) {
  EXPECT_TRUE(token_matches("abc", "abc"));
  EXPECT_FALSE(token_matches("abd", "abc"));
  EXPECT_FALSE(token_matches("ab", "abc"));
  EXPECT_FALSE(token_matches("abcabc", "abc"));  // the repeated comparison must not match
  EXPECT_FALSE(token_matches("", "abc"));
  EXPECT_FALSE(token_matches("", ""));
  EXPECT_TRUE(bearer_matches("BEARER abc", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer\tabc", "abc"));
}

TEST_F(AdminApi, HealthzAndReadyz) {
  start();
  Reply h = get("/healthz");
  EXPECT_EQ(h.status, 200u);
  EXPECT_EQ(h.body, "{\"status\":\"ok\"}\n");
  Reply r = get("/readyz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(uint64_t(json(r)["ready_backends"]), 3u);
  for (const char* t : {"/api/pools/mcp/backends/b1/drain", "/api/pools/mcp/backends/b2/drain",
                        "/api/pools/alt/backends/c1/drain"}) {
    ASSERT_EQ(post(t).status, 200u);
  }
  Reply down = get("/readyz");
  EXPECT_EQ(down.status, 503u);
  EXPECT_FALSE(bool(json(down)["ready"]));
}

TEST_F(AdminApi, UndrainRestoresTheCheckersView) {
  auto cfg = test::make_config({test::pool("mcp", {test::backend("dead", test::dead_port())})});
  auto& a = cfg.pools[0].health.active;
  a.enabled = true;
  a.interval = 50ms;
  a.timeout = 200ms;
  a.unhealthy_threshold = 1;
  a.fast_recheck = 0ms;
  a.jitter = 0;
  start({}, cfg);
  ASSERT_NE(server_->checker(), nullptr);
  pool::Backend& b = backend(0, 0);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (server_->checker()->health_of(b) != health::Health::unhealthy &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);  // polls a condition with a deadline
  }
  ASSERT_EQ(server_->checker()->health_of(b), health::Health::unhealthy);

  Reply l = get("/api/backends");
  auto h = json(l).at(0)["health"];
  EXPECT_EQ(std::string_view(h["status"]), "unhealthy");
  EXPECT_GE(uint64_t(h["probes"]), 1u);
  EXPECT_GE(uint64_t(h["failed"]), 1u);
  EXPECT_FALSE(std::string_view(h["last"]).empty());

  ASSERT_EQ(post("/api/pools/mcp/backends/dead/drain").status, 200u);
  EXPECT_EQ(b.state.load(), pool::BackendState::draining);
  Reply u = post("/api/pools/mcp/backends/dead/undrain");
  EXPECT_EQ(std::string_view(json(u)["state"]), "unhealthy");
  EXPECT_EQ(b.state.load(), pool::BackendState::unhealthy);
  EXPECT_TRUE(logged("admin: backend dead pool mcp: draining -> unhealthy"));

  Reply m = get("/metrics");
  EXPECT_NE(m.body.find("mcplb_health_probe_failures_total{pool=\"mcp\",backend=\"dead\"} "),
            std::string::npos);
  EXPECT_NE(m.body.find("mcplb_health_healthy{pool=\"mcp\",backend=\"dead\"} 0\n"),
            std::string::npos);
}

TEST_F(AdminApi, OversizedBodyAndMalformedRequest) {
  Options o;
  o.max_body_bytes = 1024;
  start(o);
  Client big(port_);
  Reply r = big.call("PUT", "/api/pools/mcp/backends/b1/weight", std::string(4096, ' '));
  EXPECT_EQ(r.status, 413u);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(big.closed_by_peer());

  Client junk(port_);
  Reply j = junk.raw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(j.status, 400u);
  EXPECT_TRUE(junk.closed_by_peer());

  Client head(port_);
  Reply h = head.raw("GET /metrics HTTP/1.1\r\nX-Big: " + std::string(16 * 1024, 'a') +
                     "\r\n\r\n");
  EXPECT_EQ(h.status, 431u);
}

TEST_F(AdminApi, ConnectionLimit) {
  Options o;
  o.max_connections = 2;
  start(o);
  auto a = std::make_unique<Client>(port_);
  Client b(port_);
  ASSERT_EQ(a->call("GET", "/healthz").status, 200u);  // both registered before the third
  ASSERT_EQ(b.call("GET", "/healthz").status, 200u);
  Client c(port_);
  EXPECT_TRUE(c.closed_by_peer());
  a.reset();  // a slot frees when a connection ends
  auto deadline = std::chrono::steady_clock::now() + 5s;
  unsigned status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < deadline) {
    status = test::one_request(port_, "GET", "/healthz").status;
  }
  EXPECT_EQ(status, 200u);
}

TEST_F(AdminApi, StopClosesIdleConnectionsPromptly) {
  start();
  Client c(port_);
  ASSERT_EQ(c.call("GET", "/healthz").status, 200u);
  auto t0 = std::chrono::steady_clock::now();
  admin_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(c.closed_by_peer());
  admin_->stop();  // idempotent
}

}  // namespace
}  // namespace mcplb::admin
