#include "proxy/topology.h"

#include <gtest/gtest.h>

#include "config/load.h"

namespace mcplb::proxy {
namespace {

TopologyPtr build(const std::string& yaml) {
  auto r = config::load_string(yaml, "t.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].str());
  std::string err;
  auto t = Topology::build(*r.config, 1, err);
  EXPECT_TRUE(t) << err;
  return t;
}

constexpr const char* kYaml = R"(
pools:
  heavy: {backends: ["127.0.0.1:1001"]}
  tenant: {backends: ["127.0.0.1:1002"]}
  main: {backends: ["127.0.0.1:1003"]}
routes:
  - {match: {mcp_method: "tools/call", tool: "render_*"}, pool: heavy}
  - {match: {headers: {X-Tenant: acme}}, pool: tenant}
  - {match: {path_prefix: /mcp}, pool: main}
)";

TEST(Topology, RoutesByToolGlobHeaderAndPath) {
  auto t = build(kYaml);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->routes_need_mcp());
  RouteQuery q;
  q.path = "/mcp";
  q.mcp_method = "tools/call";
  q.tool = "render_chart";
  EXPECT_EQ(t->route(q), 0);
  q.tool = "echo";
  EXPECT_EQ(t->route(q), 2);
  q.headers_arg = nullptr;
  q.header = [](const void*, std::string_view name) {
    return name == "x-tenant" || name == "X-Tenant" ? std::string_view("acme")
                                                    : std::string_view();
  };
  EXPECT_EQ(t->route(q), 1);
  q.header = nullptr;
  q.path = "/other";
  EXPECT_EQ(t->route(q), -1);
}

TEST(Topology, SinglePoolWithoutRoutesTakesEverything) {
  auto t = build("pools:\n  p: {backends: [\"127.0.0.1:1\"]}\n");
  ASSERT_TRUE(t);
  RouteQuery q;
  q.path = "/anything";
  EXPECT_EQ(t->route(q), 0);
  EXPECT_TRUE(t->ephemeral_key());
}

}  // namespace
}  // namespace mcplb::proxy
