// The access log line: exact format, JSON escaping of client-chosen strings, the time stamp,
// and the reopen-by-name that SIGUSR1 triggers (logrotate).
#include "proxy/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace mcplb::proxy {
namespace {

// 2024-05-01T12:34:56.789Z
constexpr int64_t kWhen = 1714566896'789'123'456;

AccessEntry entry() {
  AccessEntry e;
  e.unix_ns = kWhen;
  e.client = "203.0.113.7";
  e.pool = "mcp";
  e.backend = "b1";
  e.method = "POST";
  e.mcp_method = "tools/call";
  e.tool = "echo";
  e.status = 200;
  e.origin = Origin::backend;
  e.bytes_in = 321;
  e.bytes_out = 4567;
  e.duration_ns = 12'345'678;
  e.session_hash = 0x0123456789abcdefULL;
  e.retries = 1;
  e.failover = true;
  return e;
}

TEST(AccessLog, ExactLine) {
  AccessLogWriter w;
  EXPECT_EQ(w.format(entry()),
            R"({"time":"2024-05-01T12:34:56.789Z","client":"203.0.113.7","pool":"mcp",)"
            R"("backend":"b1","method":"POST","mcp_method":"tools/call","tool":"echo",)"
            R"("status":200,"origin":"backend","bytes_in":321,"bytes_out":4567,)"
            R"("duration_ms":12.346,"session":"0123456789abcdef","retries":1,"failover":true})"
            "\n");
}

TEST(AccessLog, NullsForWhatARequestDidNotHave) {
  AccessLogWriter w;
  AccessEntry e;
  e.unix_ns = 0;
  e.client = "::1";
  e.method = "GET";
  e.status = 404;
  e.origin = Origin::mcplb;
  e.duration_ns = 999;  // rounds to 0.001 ms
  EXPECT_EQ(w.format(e),
            R"({"time":"1970-01-01T00:00:00.000Z","client":"::1","pool":null,"backend":null,)"
            R"("method":"GET","mcp_method":null,"tool":null,"status":404,"origin":"mcplb",)"
            R"("bytes_in":0,"bytes_out":0,"duration_ms":0.001,"session":null,"retries":0,)"
            R"("failover":false})"
            "\n");
  e.origin = Origin::none;
  e.status = 0;
  e.duration_ns = 2'000'000'000'000;  // 2000 s
  const std::string line(w.format(e));
  EXPECT_NE(line.find(R"("status":0,"origin":"none")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("duration_ms":2000000.000,)"), std::string::npos) << line;
}

TEST(AccessLog, EscapesClientChosenStrings) {
  AccessLogWriter w;
  AccessEntry e = entry();
  e.tool = "we\"ird\\ tool\n\t\x01\x7f\xc3\xa9\xff end";
  const std::string line(w.format(e));
  EXPECT_NE(line.find(R"("tool":"we\"ird\\ tool\n\t\u0001\u007fé\ufffd end")"),
            std::string::npos)
      << line;
  // One line: the only newline is the last byte.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(AccessLog, JsonEscaping) {
  auto esc = [](std::string_view s) {
    std::string out;
    AccessLogWriter::append_json_escaped(out, s);
    return out;
  };
  EXPECT_EQ(esc("plain"), "plain");
  EXPECT_EQ(esc("a\"b"), "a\\\"b");
  EXPECT_EQ(esc("\\"), "\\\\");
  EXPECT_EQ(esc(std::string_view("\0\x1f", 2)), "\\u0000\\u001f");
  EXPECT_EQ(esc("\r\n"), "\\r\\n");
  EXPECT_EQ(esc("\xe2\x82\xac"), "\xe2\x82\xac");          // valid 3-byte UTF-8 kept
  EXPECT_EQ(esc("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");  // valid 4-byte kept
  EXPECT_EQ(esc("\xc0\xaf"), "\\ufffd\\ufffd");            // overlong
  EXPECT_EQ(esc("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // surrogate
  EXPECT_EQ(esc("\xe2\x82"), "\\ufffd\\ufffd");            // truncated
}

TEST(AccessLog, TimeStamps) {
  AccessLogWriter w;
  auto t = [&](int64_t ns) {
    std::string out;
    w.append_time(out, ns);
    return out;
  };
  EXPECT_EQ(t(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(t(951782400'000'000'000), "2000-02-29T00:00:00.000Z");  // leap day
  EXPECT_EQ(t(1709251199'999'999'999), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(t(1709251200'000'000'000), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(t(kWhen), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(t(kWhen + 100'000'000), "2024-05-01T12:34:56.889Z");  // same second, cached
  EXPECT_EQ(t(4102444800'000'000'000), "2100-01-01T00:00:00.000Z");
  EXPECT_EQ(t(-1), "1969-12-31T23:59:59.999Z");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AccessLog, ReopenMovesWritesToTheNewFile) {
  char dir[] = "/tmp/mcplb-access-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/access.log";
  std::string err;
  auto log = AccessLog::open(path, err);
  ASSERT_TRUE(log) << err;
  EXPECT_TRUE(log->is_file());
  const int fd = log->fd();
  log->write("one\n");
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  log->write("two\n");  // still the renamed file
  ASSERT_TRUE(log->reopen(err)) << err;
  EXPECT_EQ(log->fd(), fd);  // same descriptor number: workers never see another one
  log->write("three\n");
  EXPECT_EQ(slurp(path + ".1"), "one\ntwo\n");
  EXPECT_EQ(slurp(path), "three\n");
  EXPECT_EQ(log->dropped(), 0u);
  log.reset();
  std::remove((path + ".1").c_str());
  std::remove(path.c_str());
  rmdir(dir);
}

TEST(AccessLog, StdStreamsAndErrors) {
  std::string err;
  auto out = AccessLog::open("stdout", err);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->fd(), STDOUT_FILENO);
  EXPECT_FALSE(out->is_file());
  EXPECT_TRUE(out->reopen(err));  // nothing to do
  auto bad = AccessLog::open("/nonexistent-dir-mcplb/access.log", err);
  EXPECT_FALSE(bad);
  EXPECT_EQ(err, "access_log: cannot open '/nonexistent-dir-mcplb/access.log': No such file or "
                 "directory");
}

}  // namespace
}  // namespace mcplb::proxy
