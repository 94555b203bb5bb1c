// session:, mcp: and the MCP route criteria: defaults, a full valid file, every error with its
// exact text and position, warnings, the shadowed-route rule and the dump round trip.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/dump.h"
#include "config/load.h"

namespace mcplb::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr const char* kPools = "pools: {mcp: {backends: [\"127.0.0.1:3001\"]}}\n";
constexpr const char* kTwoPools =
    "pools:\n  a: {backends: [\"127.0.0.1:3001\"]}\n  b: {backends: [\"127.0.0.1:3002\"]}\n";

// Each test gets a directory holding the config "file" and two readable key files, so that
// relative secret_file paths resolve against it as they would next to a real mcplb.yaml.
class McpConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt::format("mcplb_config_{}_{}_{}", ::getpid(), info->test_suite_name(), info->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "k1.key") << std::string(64, 'a') << "\n";
    std::ofstream(dir_ / "k2.key") << std::string(64, 'b') << "\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  LoadResult load(const std::string& text) { return load_string(text, file()); }
  std::string file() const { return (dir_ / "t.yaml").string(); }
  std::string dir() const { return dir_.string(); }

  // "t.yaml:line:col: message" lines, with the test directory shown as DIR.
  std::string render(const std::vector<Diag>& v) const {
    std::string s;
    for (const auto& d : v) {
      std::string msg = d.message;
      for (size_t at; (at = msg.find(dir())) != std::string::npos;) {
        msg.replace(at, dir().size(), "DIR");
      }
      s += fmt::format("t.yaml:{}:{}: {}\n", d.line, d.col, msg);
    }
    return s;
  }
  std::string errors(const std::string& text) {
    auto r = load(text);
    EXPECT_EQ(r.config.has_value(), r.errors.empty());
    return render(r.errors);
  }
  std::string warnings(const std::string& text) {
    auto r = load(text);
    EXPECT_TRUE(r.ok()) << render(r.errors);
    return render(r.warnings);
  }

  fs::path dir_;
};

constexpr const char* kFull = R"(session:
  keys:
    - {id: k2, secret_file: k2.key}
    - id: k1
      secret_file: k1.key
  ttl: 12h
mcp:
  sse_path: /legacy/sse
  message_path: /legacy/message
  max_inspect_bytes: 128k
  allowed_hosts: [mcp.example.com, "*.Example.com", "localhost:8080", "[::1]"]
  allowed_origins: ["https://chat.example.com", "HTTP://localhost:6274", "https://a.com:443"]
  cors: {enabled: true, allow_origins: ["https://chat.example.com"], max_age: 1h}
pools:
  mcp: {backends: ["127.0.0.1:3001"]}
  heavy: {backends: ["127.0.0.1:4001"]}
routes:
  - match: {path_prefix: /mcp, method: POST, mcp_method: "tools/*", tool: "render_*",
            headers: {X-Tenant: acme}}
    pool: heavy
  - match: {mcp_method: initialize}
    pool: mcp
  - match:
      headers:
        X-A: "1"
        x-b: "two words"
    pool: mcp
  - pool: mcp
)";

TEST_F(McpConfig, Defaults) {
  Config c = default_config();
  EXPECT_TRUE(c.session.keys.empty());
  EXPECT_EQ(c.session.ttl, hours(24));
  EXPECT_EQ(c.mcp.sse_path, "/sse");
  EXPECT_EQ(c.mcp.message_path, "/message");
  EXPECT_EQ(c.mcp.max_inspect_bytes, 64u * 1024);
  EXPECT_TRUE(c.mcp.allowed_hosts.empty());
  EXPECT_TRUE(c.mcp.allowed_origins.empty());
  EXPECT_FALSE(c.mcp.cors.enabled);
  EXPECT_TRUE(c.mcp.cors.allow_origins.empty());
  EXPECT_EQ(c.mcp.cors.max_age, minutes(10));

  auto r = load(kPools);
  ASSERT_TRUE(r.ok()) << render(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << render(r.warnings);
  const Config& l = *r.config;
  EXPECT_TRUE(l.session.keys.empty());
  EXPECT_EQ(l.session.ttl, hours(24));
  EXPECT_EQ(l.mcp.sse_path, "/sse");
  EXPECT_EQ(l.mcp.message_path, "/message");
  EXPECT_EQ(l.mcp.max_inspect_bytes, 64u * 1024);
  EXPECT_FALSE(l.mcp.cors.enabled);
  EXPECT_EQ(l.mcp.cors.max_age, minutes(10));

  // Empty sections are defaults too; explicit empty keys means "ephemeral key, I know".
  r = load(std::string("session: {keys: []}\nmcp:\n") + kPools);
  ASSERT_TRUE(r.ok()) << render(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << render(r.warnings);
  EXPECT_EQ(r.config->mcp.sse_path, "/sse");
}

TEST_F(McpConfig, FullExample) {
  auto r = load(kFull);
  ASSERT_TRUE(r.ok()) << render(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << render(r.warnings);
  const Config& c = *r.config;
  ASSERT_EQ(c.session.keys.size(), 2u);
  EXPECT_EQ(c.session.keys[0].id, "k2");  // file order: the first one seals
  EXPECT_EQ(c.session.keys[0].secret_file, (dir_ / "k2.key").string());
  EXPECT_EQ(c.session.keys[0].mark.file, file());
  EXPECT_EQ(c.session.keys[0].mark.line, 3);
  EXPECT_EQ(c.session.keys[0].mark.col, 29);  // the secret_file value
  EXPECT_EQ(c.session.keys[1].id, "k1");
  EXPECT_EQ(c.session.keys[1].secret_file, (dir_ / "k1.key").string());
  EXPECT_EQ(c.session.keys[1].mark.line, 5);
  EXPECT_EQ(c.session.keys[1].mark.col, 20);
  EXPECT_EQ(c.session.ttl, hours(12));
  EXPECT_EQ(c.mcp.sse_path, "/legacy/sse");
  EXPECT_EQ(c.mcp.message_path, "/legacy/message");
  EXPECT_EQ(c.mcp.max_inspect_bytes, 128u * 1024);
  EXPECT_EQ(c.mcp.allowed_hosts,
            (std::vector<std::string>{"mcp.example.com", "*.example.com", "localhost:8080",
                                      "[::1]"}));
  EXPECT_EQ(c.mcp.allowed_origins,
            (std::vector<std::string>{"https://chat.example.com", "http://localhost:6274",
                                      "https://a.com"}));
  EXPECT_TRUE(c.mcp.cors.enabled);
  EXPECT_EQ(c.mcp.cors.allow_origins, (std::vector<std::string>{"https://chat.example.com"}));
  EXPECT_EQ(c.mcp.cors.max_age, hours(1));
  ASSERT_EQ(c.routes.size(), 4u);
  const RouteMatch& m = c.routes[0].match;
  EXPECT_EQ(m.path_prefix, "/mcp");
  EXPECT_EQ(m.method, "POST");
  EXPECT_EQ(m.mcp_method, "tools/*");
  EXPECT_EQ(m.tool, "render_*");
  ASSERT_EQ(m.headers.size(), 1u);
  EXPECT_EQ(m.headers[0].first, "x-tenant");  // names are stored lower-case
  EXPECT_EQ(m.headers[0].second, "acme");     // values exactly
  EXPECT_EQ(c.routes[0].pool, "heavy");
  EXPECT_EQ(c.routes[1].match.mcp_method, "initialize");
  EXPECT_TRUE(c.routes[1].match.tool.empty());
  const auto& h = c.routes[2].match.headers;
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"x-a", "1"}));
  EXPECT_EQ(h[1], (std::pair<std::string, std::string>{"x-b", "two words"}));
  const RouteMatch& any = c.routes[3].match;  // empty match: still every request
  EXPECT_TRUE(any.path_prefix.empty() && any.host.empty() && any.method.empty() &&
              any.mcp_method.empty() && any.tool.empty() && any.headers.empty());
}

TEST_F(McpConfig, SecretFilePaths) {
  // Absolute paths stay as they are; relative ones follow the config file, not the cwd.
  std::string abs = (dir_ / "k1.key").string();
  auto r = load(fmt::format("session:\n  keys: [{{id: a, secret_file: \"{}\"}}]\n{}", abs, kPools));
  ASSERT_TRUE(r.ok()) << render(r.errors);
  EXPECT_EQ(r.config->session.keys[0].secret_file, abs);

  fs::create_directories(dir_ / "sub");
  std::ofstream(dir_ / "sub" / "k.key") << "x";
  r = load(std::string("session:\n  keys: [{id: a, secret_file: sub/k.key}]\n") + kPools);
  ASSERT_TRUE(r.ok()) << render(r.errors);
  EXPECT_EQ(r.config->session.keys[0].secret_file, (dir_ / "sub" / "k.key").string());

  // A bare file name has no directory: the path stays relative (to the working directory).
  auto bare = load_string(std::string("session:\n  keys: [{id: a, secret_file: k1.key}]\n") +
                              kPools,
                          "t.yaml");
  ASSERT_EQ(bare.errors.size(), 1u);
  EXPECT_EQ(bare.errors[0].str(),
            "t.yaml:2:31: cannot read secret_file 'k1.key': No such file or directory");

  // load_file: the same, relative to the file's directory.
  fs::path cfg = dir_ / "mcplb.yaml";
  std::ofstream(cfg) << "session:\n  keys: [{id: a, secret_file: k2.key}]\n" << kPools;
  auto f = load_file(cfg.string());
  ASSERT_TRUE(f.ok()) << render(f.errors);
  EXPECT_EQ(f.config->session.keys[0].secret_file, (dir_ / "k2.key").string());
}

TEST_F(McpConfig, SessionErrors) {
  auto e = [&](const std::string& session) { return errors("session:\n" + session + kPools); };
  EXPECT_EQ(errors(std::string("session: 5\n") + kPools),
            "t.yaml:1:10: expected a map for 'session', got '5'\n");
  EXPECT_EQ(e("  kyes: []\n"),
            "t.yaml:2:3: unknown key 'kyes' in 'session' (did you mean 'keys'?)\n");
  EXPECT_EQ(e("  keys: k1\n"), "t.yaml:2:9: expected a list for 'session.keys', got 'k1'\n");
  EXPECT_EQ(e("  keys: [k1]\n"),
            "t.yaml:2:10: expected a map for 'session.keys[0]', got 'k1'\n");
  EXPECT_EQ(e("  keys:\n    - secret_file: k1.key\n"),
            "t.yaml:3:7: missing required key 'id' in 'session.keys[0]'\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1}\n"),
            "t.yaml:3:7: missing required key 'secret_file' in 'session.keys[0]'\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: k1.key, secret: x}\n"),
            "t.yaml:3:37: unknown key 'secret' in 'session.keys[0]' (did you mean "
            "'secret_file'?)\n");
  // ids: what the token format can carry
  EXPECT_EQ(e("  keys:\n    - {id: \"a b\", secret_file: k1.key}\n"),
            "t.yaml:3:12: invalid session key id 'a b' (1 to 16 letters, digits, '_', '-', "
            "'.')\n");
  EXPECT_EQ(e("  keys:\n    - {id: \"\", secret_file: k1.key}\n"),
            "t.yaml:3:12: invalid session key id '' (1 to 16 letters, digits, '_', '-', '.')\n");
  EXPECT_EQ(e("  keys:\n    - {id: abcdefghijklmnopq, secret_file: k1.key}\n"),
            "t.yaml:3:12: invalid session key id 'abcdefghijklmnopq' (1 to 16 letters, digits, "
            "'_', '-', '.')\n");
  EXPECT_EQ(e("  keys:\n    - {id: [k], secret_file: k1.key}\n"),
            "t.yaml:3:12: expected a string for 'session.keys[0].id', got a list\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: k1.key}\n    - {id: k1, secret_file: "
              "k2.key}\n"),
            "t.yaml:4:12: duplicate session key id 'k1' (first at 3:12)\n");
  // secret_file: present and readable now, so `mcplb check` catches it
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: \"\"}\n"),
            "t.yaml:3:29: 'session.keys[0].secret_file' must not be empty\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: \"k\\x01\"}\n"),
            "t.yaml:3:29: 'session.keys[0].secret_file' must not contain control characters, "
            "got 'k\\x01'\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: nope.key}\n"),
            "t.yaml:3:29: cannot read secret_file 'DIR/nope.key': No such file or directory\n");
  EXPECT_EQ(e("  keys:\n    - id: k1\n      secret_file: /nonexistent/k1.key\n"),
            "t.yaml:4:20: cannot read secret_file '/nonexistent/k1.key': No such file or "
            "directory\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: /}\n"),
            "t.yaml:3:29: cannot read secret_file '/': Is a directory\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: /dev/null}\n"),
            "t.yaml:3:29: cannot read secret_file '/dev/null': not a regular file\n");
  EXPECT_EQ(e("  keys:\n    - {id: k1, secret_file: k1.key/x}\n"),
            "t.yaml:3:29: cannot read secret_file 'DIR/k1.key/x': Not a directory\n");
  // ttl
  EXPECT_EQ(e("  ttl: 30s\n"), "t.yaml:2:8: 'session.ttl' must be at least 1m, got 30s\n");
  EXPECT_EQ(e("  ttl: 8761h\n"), "t.yaml:2:8: 'session.ttl' must be at most 8760h, got 8761h\n");
  EXPECT_EQ(e("  ttl: 1d\n"),
            "t.yaml:2:8: '1d' is not a valid duration (use e.g. 250ms, 30s, 5m, 1h)\n");
  // bounded
  std::string many = "  keys:\n";
  for (int i = 0; i < 17; ++i) {
    many += fmt::format("    - {{id: k{}, secret_file: k1.key}}\n", i);
  }
  EXPECT_EQ(e(many), "t.yaml:3:5: too many session keys (at most 16)\n");
}

TEST_F(McpConfig, SecretFileWithoutPermission) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root reads any file";
  }
  fs::permissions(dir_ / "k1.key", fs::perms::none);
  EXPECT_EQ(errors(std::string("session:\n  keys: [{id: a, secret_file: k1.key}]\n") + kPools),
            "t.yaml:2:31: cannot read secret_file 'DIR/k1.key': Permission denied\n");
}

TEST_F(McpConfig, SessionWarnings) {
  EXPECT_EQ(warnings(std::string("session:\n  ttl: 1h\n") + kPools),
            "t.yaml:1:1: 'session' has no 'keys': a key is generated at start, so session "
            "tokens do not survive a restart and other replicas cannot open them\n");
  EXPECT_EQ(warnings(std::string("session:\n") + kPools),
            "t.yaml:1:1: 'session' has no 'keys': a key is generated at start, so session "
            "tokens do not survive a restart and other replicas cannot open them\n");
  EXPECT_EQ(warnings(std::string("session: {keys: [], ttl: 1h}\n") + kPools), "");
}

TEST_F(McpConfig, McpErrors) {
  auto e = [&](const std::string& mcp) { return errors("mcp:\n" + mcp + kPools); };
  EXPECT_EQ(errors(std::string("mcp: [1]\n") + kPools),
            "t.yaml:1:6: expected a map for 'mcp', got a list\n");
  EXPECT_EQ(e("  sse_pth: /x\n"),
            "t.yaml:2:3: unknown key 'sse_pth' in 'mcp' (did you mean 'sse_path'?)\n");
  // paths
  EXPECT_EQ(e("  sse_path: sse\n"), "t.yaml:2:13: 'mcp.sse_path' must start with '/', got 'sse'\n");
  EXPECT_EQ(e("  sse_path:\n"), "t.yaml:2:3: expected a string for 'mcp.sse_path', got nothing\n");
  EXPECT_EQ(e("  message_path: /m?x\n"),
            "t.yaml:2:17: 'mcp.message_path' must not contain '?', '#', spaces, control or "
            "non-ASCII characters, got '/m?x'\n");
  EXPECT_EQ(e("  message_path: \"/a b\"\n"),
            "t.yaml:2:17: 'mcp.message_path' must not contain '?', '#', spaces, control or "
            "non-ASCII characters, got '/a b'\n");
  EXPECT_EQ(e("  sse_path: /mcp\n  message_path: /mcp\n"),
            "t.yaml:3:17: 'mcp.sse_path' and 'mcp.message_path' must differ, both are '/mcp'\n");
  EXPECT_EQ(e("  message_path: /x\n  sse_path: /x\n"),
            "t.yaml:3:13: 'mcp.sse_path' and 'mcp.message_path' must differ, both are '/x'\n");
  EXPECT_EQ(e("  message_path: /sse\n"),  // against the default sse_path
            "t.yaml:2:17: 'mcp.sse_path' and 'mcp.message_path' must differ, both are '/sse'\n");
  EXPECT_EQ(e("  sse_path: /message\n"),
            "t.yaml:2:13: 'mcp.sse_path' and 'mcp.message_path' must differ, both are "
            "'/message'\n");
  EXPECT_EQ(e("  sse_path: x\n  message_path: /sse\n"),  // one error is enough
            "t.yaml:2:13: 'mcp.sse_path' must start with '/', got 'x'\n");
  // max_inspect_bytes
  EXPECT_EQ(e("  max_inspect_bytes: 512\n"),
            "t.yaml:2:22: 'mcp.max_inspect_bytes' must be between 1k and 16m, got 512\n");
  EXPECT_EQ(e("  max_inspect_bytes: 32m\n"),
            "t.yaml:2:22: 'mcp.max_inspect_bytes' must be between 1k and 16m, got 32m\n");
  EXPECT_EQ(e("  max_inspect_bytes: lots\n"),
            "t.yaml:2:22: 'lots' is not a valid size (use e.g. 512, 16k, 64m, 1g)\n");
  // allowed_hosts
  EXPECT_EQ(e("  allowed_hosts: a.com\n"),
            "t.yaml:2:18: expected a list for 'mcp.allowed_hosts', got 'a.com'\n");
  EXPECT_EQ(e("  allowed_hosts: [a.com, \"*\"]\n"),
            "t.yaml:2:26: '*' is not a host pattern; leave 'mcp.allowed_hosts' empty to allow "
            "any host\n");
  EXPECT_EQ(e("  allowed_hosts: [\"https://a.com\"]\n"),
            "t.yaml:2:19: 'https://a.com' is not a valid host for 'mcp.allowed_hosts[0]' "
            "(expected e.g. example.com, example.com:8443, *.example.com, [::1])\n");
  EXPECT_EQ(e("  allowed_hosts:\n    - a.com\n    - \"a*.com\"\n    - a.com:0\n"),
            "t.yaml:4:7: 'a*.com' is not a valid host for 'mcp.allowed_hosts[1]' (expected e.g. "
            "example.com, example.com:8443, *.example.com, [::1])\n"
            "t.yaml:5:7: 'a.com:0' is not a valid host for 'mcp.allowed_hosts[2]' (expected e.g. "
            "example.com, example.com:8443, *.example.com, [::1])\n");
  EXPECT_EQ(e("  allowed_hosts: [{a: b}]\n"),
            "t.yaml:2:19: expected a string for 'mcp.allowed_hosts[0]', got a map\n");
  // allowed_origins
  EXPECT_EQ(e("  allowed_origins: [\"https://a.com/\"]\n"),
            "t.yaml:2:21: 'https://a.com/' is not a valid origin for 'mcp.allowed_origins[0]' "
            "(an origin has no path, query or fragment)\n");
  EXPECT_EQ(e("  allowed_origins: [a.com]\n"),
            "t.yaml:2:21: 'a.com' is not a valid origin for 'mcp.allowed_origins[0]' (expected "
            "'*' or scheme://host[:port])\n");
  EXPECT_EQ(e("  allowed_origins: [\"ftp://a.com\"]\n"),
            "t.yaml:2:21: 'ftp://a.com' is not a valid origin for 'mcp.allowed_origins[0]' (the "
            "scheme must be http or https)\n");
  EXPECT_EQ(e("  allowed_origins: [\"https://a.com:0\"]\n"),
            "t.yaml:2:21: 'https://a.com:0' is not a valid origin for 'mcp.allowed_origins[0]' "
            "(invalid port)\n");
  // cors
  EXPECT_EQ(e("  cors: true\n"), "t.yaml:2:9: expected a map for 'mcp.cors', got 'true'\n");
  EXPECT_EQ(e("  cors: {enable: true}\n"),
            "t.yaml:2:10: unknown key 'enable' in 'mcp.cors' (did you mean 'enabled'?)\n");
  EXPECT_EQ(e("  cors: {enabled: yes}\n"),
            "t.yaml:2:19: expected a boolean (true or false) for 'mcp.cors.enabled', got "
            "'yes'\n");
  EXPECT_EQ(e("  cors: {allow_origins: [\"https://a.com/x\"]}\n"),
            "t.yaml:2:26: 'https://a.com/x' is not a valid origin for "
            "'mcp.cors.allow_origins[0]' (an origin has no path, query or fragment)\n");
  EXPECT_EQ(e("  cors: {max_age: 25h}\n"),
            "t.yaml:2:19: 'mcp.cors.max_age' must be at most 24h, got 25h\n");
  EXPECT_EQ(e("  cors: {enabled: true}\n"),
            "t.yaml:2:19: 'mcp.cors.allow_origins' must not be empty when 'mcp.cors.enabled' "
            "is true\n");
  EXPECT_EQ(e("  cors:\n    enabled: true\n    allow_origins: []\n"),
            "t.yaml:4:5: 'mcp.cors.allow_origins' must not be empty when 'mcp.cors.enabled' is "
            "true\n");
  EXPECT_EQ(e("  cors: {enabled: true, allow_origins: \"https://a.com\"}\n"),
            "t.yaml:2:40: expected a list for 'mcp.cors.allow_origins', got 'https://a.com'\n");
  EXPECT_EQ(e("  cors: {enabled: true, allow_origins: [x]}\n"),  // one error is enough
            "t.yaml:2:41: 'x' is not a valid origin for 'mcp.cors.allow_origins[0]' (expected "
            "'*' or scheme://host[:port])\n");
  // bounded
  std::string many = "  allowed_hosts:\n";
  for (int i = 0; i < 257; ++i) {
    many += fmt::format("    - h{}.example.com\n", i);
  }
  EXPECT_EQ(e(many), "t.yaml:3:5: too many entries in 'mcp.allowed_hosts' (at most 256)\n");
}

TEST_F(McpConfig, CorsWarnings) {
  EXPECT_EQ(warnings("mcp:\n"
                     "  allowed_origins: [\"https://a.com\"]\n"
                     "  cors:\n"
                     "    enabled: true\n"
                     "    allow_origins: [\"https://a.com:443\", \"https://b.com\", \"*\"]\n" +
                     std::string(kPools)),
            "t.yaml:5:42: CORS allows origin 'https://b.com', but 'mcp.allowed_origins' does "
            "not, so its requests are refused\n");
  // cors before allowed_origins in the file: the same check
  EXPECT_EQ(warnings("mcp:\n"
                     "  cors: {enabled: true, allow_origins: [\"https://b.com\"]}\n"
                     "  allowed_origins: [\"https://a.com\"]\n" +
                     std::string(kPools)),
            "t.yaml:2:41: CORS allows origin 'https://b.com', but 'mcp.allowed_origins' does "
            "not, so its requests are refused\n");
  // no Origin restriction, or "*": nothing to contradict
  EXPECT_EQ(warnings("mcp:\n  cors: {enabled: true, allow_origins: [\"https://b.com\"]}\n" +
                     std::string(kPools)),
            "");
  EXPECT_EQ(warnings("mcp:\n  allowed_origins: [\"https://a.com\", \"*\"]\n"
                     "  cors: {enabled: true, allow_origins: [\"https://b.com\"]}\n" +
                     std::string(kPools)),
            "");
}

TEST_F(McpConfig, RouteErrors) {
  auto e = [&](const std::string& match) {
    return errors("routes:\n  - pool: mcp\n    match: " + match + "\n" + kPools);
  };
  // column of the match value is 12
  EXPECT_EQ(e("{methd: GET}"),
            "t.yaml:3:13: unknown key 'methd' in 'routes[0].match' (did you mean 'method'?)\n");
  // method
  EXPECT_EQ(e("{method: post}"),
            "t.yaml:3:21: unknown HTTP method 'post' (methods are case-sensitive: did you mean "
            "'POST'?)\n");
  EXPECT_EQ(e("{method: PSOT}"),
            "t.yaml:3:21: unknown HTTP method 'PSOT' (did you mean 'POST'?)\n");
  EXPECT_EQ(e("{method: CONNECT}"),
            "t.yaml:3:21: unknown HTTP method 'CONNECT' (expected one of: GET, HEAD, POST, PUT, "
            "DELETE, OPTIONS, PATCH)\n");
  EXPECT_EQ(e("{method: [GET, POST]}"),
            "t.yaml:3:21: expected a string for 'routes[0].match.method', got a list\n");
  // globs
  EXPECT_EQ(e("{mcp_method: \"\"}"),
            "t.yaml:3:25: 'routes[0].match.mcp_method' must not be empty (leave it out to match "
            "any method)\n");
  EXPECT_EQ(e("{tool: \"\"}"),
            "t.yaml:3:19: 'routes[0].match.tool' must not be empty (leave it out to match any "
            "tool)\n");
  EXPECT_EQ(e("{tool: \"render_?\"}"),
            "t.yaml:3:19: only '*' is a wildcard in 'routes[0].match.tool'; '?' is not allowed, "
            "got 'render_?'\n");
  EXPECT_EQ(e("{mcp_method: \"tools/[cl]*\"}"),
            "t.yaml:3:25: only '*' is a wildcard in 'routes[0].match.mcp_method'; '[' is not "
            "allowed, got 'tools/[cl]*'\n");
  EXPECT_EQ(e("{tool: \"a\\tb\"}"),
            "t.yaml:3:19: 'routes[0].match.tool' must not contain control characters, got "
            "'a\\x09b'\n");
  EXPECT_EQ(e("{tool: " + std::string(257, 'x') + "}"),
            "t.yaml:3:19: 'routes[0].match.tool' must be at most 256 characters, got 257\n");
  EXPECT_EQ(e("{tool: {name: x}}"),
            "t.yaml:3:19: expected a string for 'routes[0].match.tool', got a map\n");
  // headers
  EXPECT_EQ(e("{headers: [X-Tenant]}"),
            "t.yaml:3:22: expected a map of header names to values for "
            "'routes[0].match.headers', got a list\n");
  EXPECT_EQ(e("{headers: acme}"),
            "t.yaml:3:22: expected a map of header names to values for "
            "'routes[0].match.headers', got 'acme'\n");
  EXPECT_EQ(e("{headers: {\"X Tenant\": acme}}"),
            "t.yaml:3:23: invalid header name 'X Tenant' in 'routes[0].match.headers' (use "
            "letters, digits and !#$%&'*+-.^_`|~)\n");
  EXPECT_EQ(e("{headers: {[a]: acme}}"),
            "t.yaml:3:23: invalid header name a list in 'routes[0].match.headers' (use letters, "
            "digits and !#$%&'*+-.^_`|~)\n");
  EXPECT_EQ(e("{headers: {Host: a.com}}"),
            "t.yaml:3:23: match the Host header with 'routes[0].match.host', not with "
            "'routes[0].match.headers'\n");
  EXPECT_EQ(e("{headers: {X-Tenant: a, x-tenant: b}}"),
            "t.yaml:3:36: duplicate header 'x-tenant' in 'routes[0].match.headers' (first at "
            "3:23)\n");
  EXPECT_EQ(e("{headers: {X-Tenant: [a, b]}}"),
            "t.yaml:3:33: expected a string for 'routes[0].match.headers.X-Tenant', got a "
            "list\n");
  EXPECT_EQ(e("{headers: {X-Tenant: \"\"}}"),
            "t.yaml:3:33: 'routes[0].match.headers.X-Tenant' must not be empty\n");
  EXPECT_EQ(e("{headers: {X-Tenant: \" acme\"}}"),
            "t.yaml:3:33: 'routes[0].match.headers.X-Tenant' must not contain control "
            "characters or leading or trailing spaces, got ' acme'\n");
  EXPECT_EQ(errors(std::string("routes:\n  - pool: mcp\n    match:\n      headers:\n"
                               "        X-Tenant:\n") +
                   kPools),
            "t.yaml:5:9: expected a string for 'routes[0].match.headers.X-Tenant', got "
            "nothing\n");
  std::string many = "{headers: {";
  for (int i = 0; i < 17; ++i) {
    many += fmt::format("{}h{}: v", i == 0 ? "" : ", ", i);
  }
  EXPECT_EQ(e(many + "}}"),
            "t.yaml:3:22: too many headers in 'routes[0].match.headers' (at most 16)\n");
}

TEST_F(McpConfig, ShadowedRoutes) {
  // An earlier route with criteria beyond path and host never shadows (conservative).
  EXPECT_EQ(warnings("routes:\n"
                     "  - {match: {method: POST}, pool: a}\n"
                     "  - {match: {path_prefix: /x}, pool: b}\n" +
                     std::string(kTwoPools)),
            "");
  EXPECT_EQ(warnings("routes:\n"
                     "  - {match: {mcp_method: \"*\"}, pool: a}\n"
                     "  - {match: {mcp_method: \"*\"}, pool: b}\n" +
                     std::string(kTwoPools)),
            "");
  EXPECT_EQ(warnings("routes:\n"
                     "  - {match: {tool: \"*\", headers: {x-a: b}}, pool: a}\n"
                     "  - {match: {headers: {x-a: b}}, pool: b}\n" +
                     std::string(kTwoPools)),
            "");
  // A later route with more criteria under an earlier plain prefix is still unreachable.
  EXPECT_EQ(warnings("routes:\n"
                     "  - {match: {path_prefix: /}, pool: a}\n"
                     "  - {match: {path_prefix: /x, method: GET, tool: t}, pool: b}\n" +
                     std::string(kTwoPools)),
            "t.yaml:3:5: route can never match: the route at 2:5 matches all of its requests "
            "first\n");
  EXPECT_EQ(warnings("routes:\n"
                     "  - {match: {host: a.com}, pool: a}\n"
                     "  - {match: {host: a.com, headers: {x-a: b}}, pool: b}\n"
                     "  - {match: {host: b.com, headers: {x-a: b}}, pool: b}\n" +
                     std::string(kTwoPools)),
            "t.yaml:3:5: route can never match: the route at 2:5 matches all of its requests "
            "first\n");
}

TEST_F(McpConfig, DumpRoundTrips) {
  auto first = load(kFull);
  ASSERT_TRUE(first.ok()) << render(first.errors);
  std::string once = dump(*first.config);
  auto second = load_string(once, "dump.yaml");
  ASSERT_TRUE(second.ok()) << render(second.errors) << once;
  EXPECT_EQ(dump(*second.config), once);
  const Config& c = *second.config;
  ASSERT_EQ(c.session.keys.size(), 2u);
  EXPECT_EQ(c.session.keys[1].secret_file, (dir_ / "k1.key").string());
  EXPECT_EQ(c.mcp.allowed_origins, first.config->mcp.allowed_origins);
  EXPECT_EQ(c.routes[0].match.headers, first.config->routes[0].match.headers);
  EXPECT_EQ(c.routes[2].match.headers, first.config->routes[2].match.headers);

  // The canonical text of the new sections, with the key paths shown relative.
  std::string text = once;
  for (size_t at; (at = text.find(dir() + "/")) != std::string::npos;) {
    text.erase(at, dir().size() + 1);
  }
  EXPECT_NE(text.find("session:\n"
                      "  keys:\n"
                      "    - {id: \"k2\", secret_file: \"k2.key\"}\n"
                      "    - {id: \"k1\", secret_file: \"k1.key\"}\n"
                      "  ttl: 12h\n"
                      "mcp:\n"
                      "  sse_path: \"/legacy/sse\"\n"
                      "  message_path: \"/legacy/message\"\n"
                      "  max_inspect_bytes: 128k\n"
                      "  allowed_hosts: [\"mcp.example.com\", \"*.example.com\", "
                      "\"localhost:8080\", \"[::1]\"]\n"
                      "  allowed_origins: [\"https://chat.example.com\", "
                      "\"http://localhost:6274\", \"https://a.com\"]\n"
                      "  cors: {enabled: true, allow_origins: [\"https://chat.example.com\"], "
                      "max_age: 1h}\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  - {match: {path_prefix: \"/mcp\", method: \"POST\", mcp_method: "
                      "\"tools/*\", tool: \"render_*\", headers: {\"x-tenant\": \"acme\"}}, "
                      "pool: \"heavy\"}\n"
                      "  - {match: {mcp_method: \"initialize\"}, pool: \"mcp\"}\n"
                      "  - {match: {headers: {\"x-a\": \"1\", \"x-b\": \"two words\"}}, "
                      "pool: \"mcp\"}\n"
                      "  - {match: {}, pool: \"mcp\"}\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace mcplb::config
