// The mcp probe against the real demo server (session and stateless-only), a fake SSE MCP
// server, and an HTTP server that is not MCP.

#include <gtest/gtest.h>

#include <cstdio>

#include "health/checker.h"
#include "test_servers.h"

namespace mcplb::health::test {
namespace {

using Type = ProbeSpec::Type;

/// A spec that decides on the first probe: starts unhealthy, one success flips it.
std::shared_ptr<ProbeSpec> one_shot(Type type) {
  auto s = quick_spec(type);
  s->healthy_threshold = 1;
  s->unhealthy_threshold = 1;
  return s;
}

TEST(McpProbe, HealthyOnDemoServerWithSessions) {
  if (!DemoServer::available()) {
    GTEST_SKIP() << "mcp-demo-server not built";
  }
  DemoServer demo;
  ASSERT_TRUE(demo.ok());
  auto b = make_backend("d1", demo.address());
  b->state.store(pool::BackendState::unhealthy);
  Recorder rec;
  Checker checker({Target{b, demo.endpoint(), one_shot(Type::mcp), "mcp"}}, rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_probes("d1", 5));
  checker.stop();
  for (const auto& p : rec.probes("d1")) {
    EXPECT_TRUE(p.ok) << p.detail;
    EXPECT_EQ(p.detail, "initialize + ping ok (2025-11-25, session)");
  }
  ASSERT_EQ(rec.flips("d1").size(), 1u);
  EXPECT_TRUE(b->ready(steady_now_ns()));
}

TEST(McpProbe, HealthyOnStatelessOnlyDemoServer) {
  if (!DemoServer::available()) {
    GTEST_SKIP() << "mcp-demo-server not built";
  }
  DemoServer demo({"--stateless-only"});
  ASSERT_TRUE(demo.ok());
  auto b = make_backend("d1", demo.address());
  b->state.store(pool::BackendState::unhealthy);
  Recorder rec;
  Checker checker({Target{b, demo.endpoint(), one_shot(Type::mcp), "mcp"}}, rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_probes("d1", 3));
  checker.stop();
  for (const auto& p : rec.probes("d1")) {
    EXPECT_TRUE(p.ok) << p.detail;
    EXPECT_EQ(p.detail, "server/discover ok (2026-07-28, stateless)");
  }
  EXPECT_TRUE(b->ready(steady_now_ns()));
}

TEST(McpProbe, WrongPathOnDemoServerIsUnhealthy) {
  if (!DemoServer::available()) {
    GTEST_SKIP() << "mcp-demo-server not built";
  }
  DemoServer demo;
  ASSERT_TRUE(demo.ok());
  auto spec = one_shot(Type::mcp);
  spec->path = "/healthz";  // answers GET 200 "ok"; a POST there is not MCP
  auto b = make_backend("d1", demo.address());
  Recorder rec;
  Checker checker({Target{b, demo.endpoint(), spec, "mcp"}}, rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("d1", 1));
  checker.stop();
  std::printf("[ detail   ] %s\n", rec.flips("d1")[0].reason.c_str());
  EXPECT_FALSE(b->ready(steady_now_ns()));
}

TEST(McpProbe, DemoServerGoingAwayIsDetected) {
  if (!DemoServer::available()) {
    GTEST_SKIP() << "mcp-demo-server not built";
  }
  DemoServer demo;
  ASSERT_TRUE(demo.ok());
  auto b = make_backend("d1", demo.address());
  Recorder rec;
  Checker checker({Target{b, demo.endpoint(), quick_spec(Type::mcp), "mcp"}}, rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_probes("d1", 2));
  EXPECT_TRUE(rec.flips("d1").empty());
  demo.terminate();
  ASSERT_TRUE(rec.wait_flips("d1", 1));
  checker.stop();
  // Usually "connect refused"; a probe that raced the shutdown may see the connection close.
  const std::string reason = rec.flips("d1")[0].reason;
  std::printf("[ detail   ] %s\n", reason.c_str());
  EXPECT_EQ(reason.rfind("3 consecutive failures, last: initialize: ", 0), 0u) << reason;
  EXPECT_FALSE(b->ready(steady_now_ns()));
}

TEST(McpProbe, HttpAnswersButMcpDoesNot) {
  ScriptedServer server;
  server.set_mode(ScriptedServer::Mode::html);
  auto http = quick_spec(Type::http);
  auto mcp = quick_spec(Type::mcp);
  auto web = make_backend("web", server.address());
  auto rpc = make_backend("rpc", server.address());
  Recorder rec;
  Checker checker({Target{web, server.endpoint(), http, "p"},
                   Target{rpc, server.endpoint(), mcp, "p"}},
                  rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("rpc", 1));
  ASSERT_TRUE(rec.wait_probes("web", 5));
  checker.stop();
  EXPECT_TRUE(web->ready(steady_now_ns()));
  EXPECT_TRUE(rec.flips("web").empty());
  EXPECT_FALSE(rpc->ready(steady_now_ns()));
  EXPECT_EQ(rec.flips("rpc")[0].reason,
            "3 consecutive failures, last: initialize: status 200, not JSON in text/html");
}

TEST(McpProbe, SseAnswersWithPrimingAndNotificationsFirst) {
  ScriptedServer server;
  server.set_mode(ScriptedServer::Mode::sse_mcp);
  auto b = make_backend("sse", server.address());
  b->state.store(pool::BackendState::unhealthy);
  Recorder rec;
  Checker checker({Target{b, server.endpoint(), one_shot(Type::mcp), "p"}}, rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_probes("sse", 3));
  checker.stop();
  for (const auto& p : rec.probes("sse")) {
    EXPECT_TRUE(p.ok) << p.detail;
    EXPECT_EQ(p.detail, "initialize + ping ok (2025-06-18, session)");
  }
  EXPECT_TRUE(b->ready(steady_now_ns()));
  // Every probe ended its session: initialize, initialized, ping, DELETE.
  EXPECT_GE(server.deletes(), 3);
  EXPECT_GE(server.requests(), 12);
}

}  // namespace
}  // namespace mcplb::health::test
