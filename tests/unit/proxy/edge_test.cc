#include "proxy/edge.h"

#include <gtest/gtest.h>

namespace mcplb::proxy {
namespace {

TEST(Edge, HostAllowList) {
  std::vector<std::string> allowed{"mcp.example.com", "api.example.com:8443", "*.corp.example"};
  EXPECT_TRUE(host_allowed({}, "anything"));
  EXPECT_TRUE(host_allowed(allowed, "mcp.example.com"));
  EXPECT_TRUE(host_allowed(allowed, "MCP.example.com:8080"));  // no port in entry: any port
  EXPECT_TRUE(host_allowed(allowed, "api.example.com:8443"));
  EXPECT_FALSE(host_allowed(allowed, "api.example.com"));
  EXPECT_FALSE(host_allowed(allowed, "api.example.com:443"));
  EXPECT_TRUE(host_allowed(allowed, "a.corp.example"));
  EXPECT_FALSE(host_allowed(allowed, "corp.example"));  // subdomains only
  EXPECT_FALSE(host_allowed(allowed, "evilcorp.example"));
  EXPECT_FALSE(host_allowed(allowed, "attacker.com"));
  EXPECT_FALSE(host_allowed(allowed, ""));
}

TEST(Edge, OriginAllowList) {
  std::vector<std::string> allowed{"https://chat.example.com"};
  EXPECT_TRUE(origin_allowed(allowed, ""));  // not a browser
  EXPECT_TRUE(origin_allowed(allowed, "https://chat.example.com"));
  EXPECT_TRUE(origin_allowed(allowed, "HTTPS://Chat.Example.com:443"));
  EXPECT_FALSE(origin_allowed(allowed, "http://chat.example.com"));
  EXPECT_FALSE(origin_allowed(allowed, "https://chat.example.com.evil"));
  EXPECT_TRUE(origin_allowed({"*"}, "https://x"));
}

TEST(Edge, CorsHeaders) {
  config::Cors cors;
  cors.enabled = true;
  cors.allow_origins = {"https://a.example"};
  std::string out;
  append_cors_headers(out, cors, "https://b.example", false, {});
  EXPECT_TRUE(out.empty());
  append_cors_headers(out, cors, "https://a.example", false, {});
  EXPECT_NE(out.find("Access-Control-Allow-Origin: https://a.example\r\n"), std::string::npos);
  EXPECT_NE(out.find("Access-Control-Expose-Headers: Mcp-Session-Id"), std::string::npos);
  out.clear();
  append_cors_headers(out, cors, "https://a.example", true, "content-type, mcp-session-id");
  EXPECT_NE(out.find("Access-Control-Allow-Headers: content-type, mcp-session-id\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("Access-Control-Max-Age: 600\r\n"), std::string::npos);
  cors.enabled = false;
  out.clear();
  append_cors_headers(out, cors, "https://a.example", false, {});
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace mcplb::proxy

#include "proxy/mcp_counters.h"

namespace mcplb::proxy {
namespace {

TEST(McpCounters, CountsMethodsAndBoundedTools) {
  auto c = std::make_unique<McpCounters>();
  c->count("tools/call", "echo");
  c->count("tools/call", "echo");
  c->count("tools/call", "whoami");
  c->count("made/up", "");
  EXPECT_EQ(c->method_count(4), 3u);                                // tools/call
  EXPECT_EQ(c->method_count(McpCounters::kMethods.size() - 1), 1u);  // other
  for (int i = 0; i < 300; ++i) {
    c->count("tools/call", "t" + std::to_string(i));
  }
  size_t names = 0;
  uint64_t echo = 0, other = 0;
  c->for_each_tool([&](std::string_view n, uint64_t v) {
    ++names;
    if (n == "echo") echo = v;
    if (n == "other") other = v;
  });
  EXPECT_EQ(echo, 2u);
  EXPECT_EQ(names, McpCounters::kMaxTools + 1);  // the table plus "other"
  EXPECT_EQ(other, 300u - (McpCounters::kMaxTools - 2));
}

}  // namespace
}  // namespace mcplb::proxy
