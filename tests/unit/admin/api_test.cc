// The admin routes over real HTTP on 127.0.0.1: a proxy::Server (its listener on an
// ephemeral port, backends never contacted) and an AdminServer in front of it.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "admin/api.h"
#include "admin/dashboard.h"
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
  Reply r = get("/admin/backends");
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

  Reply one = get("/admin/pools/mcp/backends/b2");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(uint64_t(json(one)["weight"]), 2u);
}

TEST_F(AdminApi, DrainAndUndrain) {
  start();
  Reply r = post("/admin/pools/mcp/backends/b1/drain");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(std::string_view(json(r)["state"]), "draining");
  EXPECT_FALSE(bool(json(r)["ready"]));
  EXPECT_GT(uint64_t(json(r)["drain_remaining_ms"]), 29'000u);  // pool drain_timeout 30 s
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(backend(0, 1).state.load(), pool::BackendState::healthy);
  EXPECT_TRUE(logged("admin: backend b1 pool mcp: healthy -> draining"));

  // Draining twice is harmless.
  EXPECT_EQ(post("/admin/pools/mcp/backends/b1/drain").status, 200u);
  EXPECT_TRUE(logged("admin: backend b1 pool mcp: already draining"));

  Reply m = get("/metrics");
  EXPECT_NE(m.body.find("mcplb_backend_state{pool=\"mcp\",backend=\"b1\",state=\"draining\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("mcplb_backend_up{pool=\"mcp\",backend=\"b1\"} 0"), std::string::npos);

  Reply u = post("/admin/pools/mcp/backends/b1/undrain");
  ASSERT_EQ(u.status, 200u) << u.body;
  EXPECT_EQ(std::string_view(json(u)["state"]), "healthy");
  EXPECT_EQ(uint64_t(json(u)["drain_remaining_ms"]), 0u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
  EXPECT_EQ(backend(0, 0).drain_deadline_ns.load(), 0);
  EXPECT_TRUE(logged("admin: backend b1 pool mcp: draining -> healthy"));
}

TEST_F(AdminApi, Weight) {
  start();
  Reply r = put_weight("/admin/pools/mcp/backends/b2/weight", R"({"weight": 7})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(uint64_t(json(r)["weight"]), 7u);
  EXPECT_EQ(backend(0, 1).weight.load(), 7u);
  EXPECT_TRUE(logged("admin: backend b2 pool mcp: weight 2 -> 7"));
  EXPECT_EQ(put_weight("/admin/pools/mcp/backends/b2/weight", R"({"weight":1000})").status, 200u);
  EXPECT_EQ(put_weight("/admin/pools/mcp/backends/b2/weight", R"({"weight":1})").status, 200u);

  for (std::string_view bad : {"", "nope", "[]", "{}", R"({"weight": 0})", R"({"weight": 1001})",
                               R"({"weight": -3})", R"({"weight": "5"})", R"({"weight": 2.5})",
                               R"({"weight": 5, "x": 1})", R"({"weight": 5)"}) {
    Reply b = put_weight("/admin/pools/mcp/backends/b2/weight", bad);
    EXPECT_EQ(b.status, 400u) << bad;
    EXPECT_NE(error_of(b).find("weight"), std::string::npos) << bad;
  }
  EXPECT_EQ(backend(0, 1).weight.load(), 1u);
}

TEST_F(AdminApi, NotFound) {
  start();
  Reply p = post("/admin/pools/nope/backends/b1/drain");
  EXPECT_EQ(p.status, 404u);
  EXPECT_EQ(error_of(p), "unknown pool 'nope'");
  Reply b = post("/admin/pools/alt/backends/b1/drain");
  EXPECT_EQ(b.status, 404u);
  EXPECT_EQ(error_of(b), "unknown backend 'b1' in pool 'alt'");
  Reply n = post("/admin/backends/nope/drain");
  EXPECT_EQ(n.status, 404u);
  EXPECT_EQ(error_of(n), "unknown backend 'nope'");
  for (std::string_view t : {"/", "/nothing", "/api", "/api/backends", "/admin", "/admin/",
                             "/admin/nope", "/admin/pools/mcp", "/admin/pools/mcp/backends",
                             "/admin/pools/mcp/backends/b1/explode",
                             "/admin/pools/mcp/backends/b1/drain/more", "/admin/pools//backends/b1",
                             "/admin/backends/", "/admin/backends/b1/explode", "/metrics/x",
                             "/dashboard/", "/dashboard.html"}) {
    Reply r = get(t);
    EXPECT_EQ(r.status, 404u) << t;
    EXPECT_EQ(error_of(r), "not found") << t;
  }
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
}

TEST_F(AdminApi, PercentEncodedNames) {
  start();
  EXPECT_EQ(post("/admin/pools/m%63p/backends/b%31/drain").status, 200u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(post("/admin/pools/mcp/backends/b%2F1/drain").status, 400u);
  EXPECT_EQ(post("/admin/pools/mcp/backends/b%3/drain").status, 400u);
  EXPECT_EQ(post("/admin/pools/mcp/backends/b%zz/drain").status, 400u);
}

TEST_F(AdminApi, MethodNotAllowed) {
  start();
  struct Case {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const Case& c : {Case{"GET", "/admin/pools/mcp/backends/b1/drain", "POST"},
                        Case{"PUT", "/admin/pools/mcp/backends/b1/undrain", "POST"},
                        Case{"DELETE", "/admin/pools/mcp/backends/b1/weight", "POST, PUT"},
                        Case{"GET", "/admin/backends/b1/weight", "POST, PUT"},
                        Case{"GET", "/admin/backends/b1/drain", "POST"},
                        Case{"DELETE", "/admin/backends", "GET"},
                        Case{"POST", "/admin/pools/mcp/backends/b1", "GET"},
                        Case{"POST", "/admin/backends/b1", "GET"},
                        Case{"POST", "/metrics", "GET"},
                        Case{"POST", "/dashboard", "GET"},
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
  Reply none = post("/admin/pools/mcp/backends/b1/drain");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"mcplb\"");
  EXPECT_EQ(error_of(none), "missing or wrong bearer token");
  for (std::string_view bad : {"Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token2",
                               "Basic s3cret-token", "s3cret-token", "Bearer", "Bearer ",
                               "Bearers3cret-token"}) {
    Reply r = post("/admin/pools/mcp/backends/b1/drain", {{"Authorization", std::string(bad)}});
    EXPECT_EQ(r.status, 401u) << bad;
  }
  for (const char* t : {"/admin/backends/b1/undrain", "/admin/backends/b1/weight?weight=3",
                        "/admin/pools/mcp/backends/b1/weight", "/admin/nothing"}) {
    // Unknown routes too: nothing is revealed without the token.
    EXPECT_EQ(post(t).status, 401u) << t;
  }
  // Reads are open on loopback.
  EXPECT_EQ(get("/admin/pools/nope/backends/x").status, 404u);
  EXPECT_EQ(get("/admin/backends").status, 200u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
  EXPECT_EQ(backend(0, 0).weight.load(), 1u);

  EXPECT_EQ(post("/admin/pools/mcp/backends/b1/drain",
                 {{"Authorization", "Bearer s3cret-token"}}).status, 200u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(post("/admin/pools/mcp/backends/b1/undrain",
                 {{"Authorization", "bearer   s3cret-token "}}).status, 200u);
  EXPECT_EQ(get("/admin/backends", {{"Authorization", "Bearer s3cret-token"}}).status, 200u);
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
  EXPECT_EQ(get("/admin/backends").status, 200u);  // no api token set
}

TEST_F(AdminApi, AdminTokenOpensMetricsToo) {
  Options o;
  o.token = "admin";
  o.metrics_token = "scrape";
  start(o);
  EXPECT_EQ(get("/metrics").status, 401u);
  EXPECT_EQ(get("/metrics", {{"Authorization", "Bearer admin"}}).status, 200u);
  EXPECT_EQ(get("/metrics", {{"Authorization", "Bearer scrape"}}).status, 200u);
  // ... but the metrics token does not open changes.
  EXPECT_EQ(post("/admin/backends/b1/drain", {{"Authorization", "Bearer scrape"}}).status, 401u);
}

TEST_F(AdminApi, BackendByName) {
  start();
  Reply one = get("/admin/backends/b2");
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(std::string_view(json(one)["pool"]), "mcp");
  EXPECT_EQ(std::string_view(json(one)["effective_state"]), "healthy");
  EXPECT_EQ(post("/admin/backends/c1/drain").status, 200u);
  EXPECT_EQ(backend(1, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(post("/admin/backends/alt%2Fc1/undrain").status, 200u);
  EXPECT_EQ(backend(1, 0).state.load(), pool::BackendState::healthy);
  EXPECT_EQ(post("/admin/backends/mcp%2Fc1/drain").status, 404u);
  Reply w = post("/admin/backends/b1/weight?weight=9");
  ASSERT_EQ(w.status, 200u) << w.body;
  EXPECT_EQ(backend(0, 0).weight.load(), 9u);
  EXPECT_EQ(test::one_request(port_, "POST", "/admin/backends/b1/weight", R"({"weight": 4})")
                .status,
            200u);
  EXPECT_EQ(backend(0, 0).weight.load(), 4u);
  for (const char* t : {"/admin/backends/b1/weight?weight=0", "/admin/backends/b1/weight?weight=",
                        "/admin/backends/b1/weight?weight=1001",
                        "/admin/backends/b1/weight?weight=+5",
                        "/admin/backends/b1/weight?weight=99999",
                        "/admin/backends/b1/weight?wait=5", "/admin/backends/b1/weight"}) {
    EXPECT_EQ(post(t).status, 400u) << t;
  }
  Reply both = test::one_request(port_, "POST", "/admin/backends/b1/weight?weight=5",
                                 R"({"weight": 5})");
  EXPECT_EQ(both.status, 400u);
  EXPECT_EQ(backend(0, 0).weight.load(), 4u);
}

TEST_F(AdminApi, NameInTwoPoolsIsAmbiguous) {
  start({}, test::make_config(
                {test::pool("mcp", {test::backend("b1", test::dead_port())}),
                 test::pool("alt", {test::backend("b1", test::dead_port()),
                                    test::backend("b2", test::dead_port())})}));
  Reply r = post("/admin/backends/b1/drain");
  ASSERT_EQ(r.status, 409u) << r.body;
  EXPECT_NE(error_of(r).find("in pools mcp, alt"), std::string::npos) << r.body;
  simdjson::dom::array pools;
  ASSERT_FALSE(json(r)["pools"].get(pools));
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(std::string_view(pools.at(0)), "mcp");
  EXPECT_EQ(std::string_view(pools.at(1)), "alt");
  EXPECT_EQ(get("/admin/backends/b1").status, 409u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
  EXPECT_EQ(backend(1, 0).state.load(), pool::BackendState::healthy);

  EXPECT_EQ(post("/admin/backends/alt%2fb1/drain").status, 200u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
  EXPECT_EQ(backend(1, 0).state.load(), pool::BackendState::draining);
  EXPECT_EQ(post("/admin/pools/alt/backends/b1/undrain").status, 200u);
  EXPECT_EQ(backend(1, 0).state.load(), pool::BackendState::healthy);
  EXPECT_EQ(post("/admin/backends/b2/drain").status, 200u);  // unique: no pool needed
  EXPECT_EQ(backend(1, 1).state.load(), pool::BackendState::draining);
  EXPECT_EQ(post("/admin/backends/nope%2Fb1/drain").status, 404u);
  EXPECT_EQ(post("/admin/pools/mcp/backends/b1%2Fx/drain").status, 400u);  // no slash here
}

TEST_F(AdminApi, LoopbackWithoutTokenRefusesBrowserTricks) {
  start();
  Reply o = post("/admin/backends/b1/drain", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(o.status, 403u);
  EXPECT_EQ(error_of(o), "cross-origin change refused");
  Reply n = post("/admin/backends/b1/drain", {{"Origin", "null"}});
  EXPECT_EQ(n.status, 403u);
  Reply h = post("/admin/backends/b1/drain", {{"Host", "rebound.example:9901"}});
  EXPECT_EQ(h.status, 403u);
  EXPECT_EQ(error_of(h), "changes without a token need a loopback Host");
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::healthy);
  // Reads are not affected, and a same-origin page may change.
  EXPECT_EQ(get("/admin/backends", {{"Host", "rebound.example"}}).status, 200u);
  EXPECT_EQ(post("/admin/backends/b1/drain",
                 {{"Host", "127.0.0.1:9901"}, {"Origin", "http://127.0.0.1:9901"}})
                .status,
            200u);
  EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
}

TEST(LoopbackHost, Names) {
  for (std::string_view h : {"", "localhost", "LOCALHOST:9901", "a.localhost", "127.0.0.1",
                             "127.1.2.3:80", "[::1]", "[::1]:9901", "[0:0:0:0:0:0:0:1]"}) {
    EXPECT_TRUE(loopback_host(h)) << h;
  }
  for (std::string_view h : {"example.com", "localhost.example", "128.0.0.1", "127.0.0",
                             "127.0.0.1.2", "127.0.0.256", "1127.0.0.1", "[::2]", "[::1",
                             "10.0.0.1:9901", "xlocalhost", "127.0.0.1x"}) {
    EXPECT_FALSE(loopback_host(h)) << h;
  }
}

// What a peer beyond loopback gets: the fixture's client is always on 127.0.0.1, so these
// call Api::handle directly with loopback = false.
TEST_F(AdminApi, NonLoopbackPeers) {
  start();
  for (const char* token : {"", "s3cret"}) {
    Options o;
    o.token = token;
    Api api(*server_, o);
    Response res;
    std::string body;
    auto call = [&](std::string_view method, std::string_view target,
                    std::string_view auth = {}) {
      Request r;
      r.method = method;
      r.target = target;
      r.authorization = auth;
      r.host = "10.0.0.5:9901";
      r.peer = "10.0.0.9:40000";
      api.handle(r, res, body);
      return res.status;
    };
    if (o.token.empty()) {
      // No token configured: reads are open, changes refused (a token could not help).
      EXPECT_EQ(call("GET", "/admin/backends"), 200u);
      EXPECT_EQ(call("POST", "/admin/backends/b1/drain"), 403u);
      EXPECT_FALSE(res.bearer_challenge);
    } else {
      EXPECT_EQ(call("GET", "/admin/backends"), 401u);
      EXPECT_TRUE(res.bearer_challenge);
      EXPECT_EQ(call("GET", "/admin/nothing"), 401u);
      EXPECT_EQ(call("POST", "/admin/backends/b1/drain", "Bearer nope"), 401u);
      EXPECT_EQ(call("GET", "/admin/backends", "Bearer s3cret"), 200u);
      EXPECT_EQ(call("POST", "/admin/backends/b1/drain", "Bearer s3cret"), 200u);
      EXPECT_EQ(backend(0, 0).state.load(), pool::BackendState::draining);
    }
    // Probes, metrics and the page itself stay open.
    for (const char* t : {"/healthz", "/readyz", "/metrics", "/dashboard", "/dashboard.js",
                          "/dashboard.css"}) {
      EXPECT_EQ(call("GET", t), 200u) << t;
    }
  }
}

TEST_F(AdminApi, DashboardFiles) {
  start();
  struct Case {
    const char* path;
    const char* type;
    const char* needle;
  };
  for (const Case& c :
       {Case{"/dashboard", "text/html; charset=utf-8", "<script src=\"/dashboard.js\""},
        Case{"/dashboard.js", "text/javascript; charset=utf-8", "/admin/backends"},
        Case{"/dashboard.css", "text/css; charset=utf-8", ".badge"}}) {
    Reply r = get(c.path);
    ASSERT_EQ(r.status, 200u) << c.path;
    EXPECT_EQ(r.header("content-type"), c.type);
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_EQ(r.header("content-security-policy"), kDashboardCsp);
    EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
    EXPECT_NE(r.body.find(c.needle), std::string::npos) << c.path;
  }
  // The API's JSON carries no CSP: it is not a document.
  EXPECT_EQ(get("/admin/backends").header("content-security-policy"), "");
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
  for (const char* t : {"/admin/pools/mcp/backends/b1/drain", "/admin/pools/mcp/backends/b2/drain",
                        "/admin/pools/alt/backends/c1/drain"}) {
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

  Reply l = get("/admin/backends");
  auto h = json(l).at(0)["health"];
  EXPECT_EQ(std::string_view(h["status"]), "unhealthy");
  EXPECT_GE(uint64_t(h["probes"]), 1u);
  EXPECT_GE(uint64_t(h["failed"]), 1u);
  EXPECT_FALSE(std::string_view(h["last"]).empty());

  ASSERT_EQ(post("/admin/pools/mcp/backends/dead/drain").status, 200u);
  EXPECT_EQ(b.state.load(), pool::BackendState::draining);
  Reply u = post("/admin/pools/mcp/backends/dead/undrain");
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
  Reply r = big.call("PUT", "/admin/pools/mcp/backends/b1/weight", std::string(4096, ' '));
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
