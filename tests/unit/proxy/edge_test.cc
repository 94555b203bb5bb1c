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
