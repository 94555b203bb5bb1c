// access_log: and metrics: — shorthands, defaults, and every error with its position.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "config/load.h"

namespace mcplb::config {
namespace {

constexpr const char* kPools = "pools: {mcp: {backends: [\"127.0.0.1:3001\"]}}\n";

Config load(const std::string& text, const std::string& file = "/etc/mcplb/t.yaml") {
  auto r = load_string(text + kPools, file);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].str());
  return r.config ? *r.config : Config{};
}

std::string errors(const std::string& text) {
  auto r = load_string(text + kPools, "t.yaml");
  std::string s;
  for (const auto& d : r.errors) {
    s += d.str() + "\n";
  }
  return s;
}

TEST(AccessLogConfig, OffWhenAbsent) {
  Config c = load("");
  EXPECT_FALSE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "stdout");
  EXPECT_TRUE(c.metrics.requests);
}

TEST(AccessLogConfig, Shorthands) {
  Config c = load("access_log: stdout\n");
  EXPECT_TRUE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "stdout");
  EXPECT_EQ(c.access_log.mark.line, 1);
  c = load("access_log: stderr\n");
  EXPECT_TRUE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "stderr");
  c = load("access_log: /tmp/access.log\n");
  EXPECT_TRUE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "/tmp/access.log");
  c = load("access_log: true\n");
  EXPECT_TRUE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "stdout");
  c = load("access_log: false\n");
  EXPECT_FALSE(c.access_log.enabled);
  c = load("access_log:\n");  // present without a value: on, stdout
  EXPECT_TRUE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "stdout");
}

TEST(AccessLogConfig, Map) {
  Config c = load("access_log: {path: /tmp/a.log}\n");
  EXPECT_TRUE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "/tmp/a.log");
  c = load("access_log:\n  path: stderr\n  enabled: false\n");
  EXPECT_FALSE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "stderr");
  c = load("access_log: {enabled: true}\n");
  EXPECT_TRUE(c.access_log.enabled);
  EXPECT_EQ(c.access_log.path, "stdout");
}

TEST(AccessLogConfig, RelativePathIsUnderTheConfigDirectory) {
  char dir[] = "/tmp/mcplb-cfg-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  Config c = load("access_log: access.log\n", std::string(dir) + "/mcplb.yaml");
  EXPECT_EQ(c.access_log.path, std::string(dir) + "/access.log");
  c = load("access_log: {path: ./x.log}\n", std::string(dir) + "/mcplb.yaml");
  EXPECT_EQ(c.access_log.path, std::string(dir) + "/./x.log");
  rmdir(dir);
}

TEST(AccessLogConfig, Errors) {
  EXPECT_EQ(errors("access_log: [stdout]\n"),
            "t.yaml:1:13: expected a path or a map for 'access_log', got a list\n");
  EXPECT_EQ(errors("access_log: {pth: stdout}\n"),
            "t.yaml:1:14: unknown key 'pth' in 'access_log' (did you mean 'path'?)\n");
  EXPECT_EQ(errors("access_log:\n  enabled: yes\n"),
            "t.yaml:2:12: expected a boolean (true or false) for 'access_log.enabled', got "
            "'yes'\n");
  EXPECT_EQ(errors("access_log: {path: {a: 1}}\n"),
            "t.yaml:1:20: expected a string for 'access_log.path', got a map\n");
  EXPECT_EQ(errors("access_log: \"\"\n"),
            "t.yaml:1:13: 'access_log' must not be empty (stdout, stderr or a file)\n");
  EXPECT_EQ(errors("access_log: {path: \"\"}\n"),
            "t.yaml:1:20: 'access_log.path' must not be empty (stdout, stderr or a file)\n");
  EXPECT_EQ(errors("access_log: \"a\\tb\"\n"),
            "t.yaml:1:13: 'access_log' must not contain control characters, got 'a\\x09b'\n");
  EXPECT_EQ(errors("access_log: /nonexistent-mcplb-dir/access.log\n"),
            "t.yaml:1:13: cannot write access log '/nonexistent-mcplb-dir/access.log': "
            "directory '/nonexistent-mcplb-dir': No such file or directory\n");
  EXPECT_EQ(errors("access_log: {path: /tmp}\n"),
            "t.yaml:1:20: cannot write access log '/tmp': Is a directory\n");
  EXPECT_EQ(errors("acess_log: stdout\n"),
            "t.yaml:1:1: unknown key 'acess_log' in 'root' (did you mean 'access_log'?)\n");
}

TEST(MetricsConfig, Requests) {
  EXPECT_TRUE(load("metrics: {requests: true}\n").metrics.requests);
  EXPECT_FALSE(load("metrics: {requests: false}\n").metrics.requests);
  EXPECT_TRUE(load("metrics:\n").metrics.requests);
  EXPECT_EQ(errors("metrics: {requests: sometimes}\n"),
            "t.yaml:1:21: expected a boolean (true or false) for 'metrics.requests', got "
            "'sometimes'\n");
  EXPECT_EQ(errors("metrics: {request: false}\n"),
            "t.yaml:1:11: unknown key 'request' in 'metrics' (did you mean 'requests'?)\n");
  EXPECT_EQ(errors("metrics: false\n"), "t.yaml:1:10: expected a map for 'metrics', got 'false'\n");
}

}  // namespace
}  // namespace mcplb::config
