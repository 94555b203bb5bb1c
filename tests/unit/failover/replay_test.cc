// The replayed initialize body and tool annotations read from tools/list answers.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "mcp/replay.h"

namespace mcplb::mcp {
namespace {

TEST(Replay, InitializeKeepsParamsWithOurId) {
  std::string out;
  ASSERT_TRUE(replay_initialize_body(
      R"({"jsonrpc":"2.0","id":"client-7","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{}},"clientInfo":{"name":"c","version":"1"}}})",
      out));
  EXPECT_EQ(out,
            R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{}},"clientInfo":{"name":"c","version":"1"}}})");
}

TEST(Replay, RefusesWhatIsNotAnInitialize) {
  std::string out;
  EXPECT_FALSE(replay_initialize_body(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", out));
  EXPECT_FALSE(replay_initialize_body(R"({"jsonrpc":"2.0","id":1,"method":"initialize"})", out));
  EXPECT_FALSE(replay_initialize_body(R"({"method":"initialize","params":[1]})", out));
  EXPECT_FALSE(replay_initialize_body("not json", out));
  EXPECT_FALSE(replay_initialize_body("", out));
}

std::map<std::string, bool> hints(std::string_view body, bool sse) {
  std::map<std::string, bool> m;
  read_tool_hints(body, sse, [&](std::string_view n, bool safe) { m[std::string(n)] = safe; });
  return m;
}

constexpr std::string_view kList =
    R"({"jsonrpc":"2.0","id":2,"result":{"tools":[)"
    R"({"name":"echo","annotations":{"readOnlyHint":true}},)"
    R"({"name":"put","annotations":{"idempotentHint":true,"readOnlyHint":false}},)"
    R"({"name":"counter","annotations":{"readOnlyHint":false,"idempotentHint":false}},)"
    R"({"name":"plain"},)"
    R"({"name":"odd","annotations":{"readOnlyHint":"yes"}},)"
    R"({"annotations":{"readOnlyHint":true}}]}})";

TEST(ToolHints, JsonAnswer) {
  auto m = hints(kList, false);
  std::map<std::string, bool> want{{"echo", true},   {"put", true}, {"counter", false},
                                   {"plain", false}, {"odd", false}};
  EXPECT_EQ(m, want);
}

TEST(ToolHints, SseAnswerWithOtherEventsFirst) {
  std::string sse = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\r\n\r\n";
  sse += "id: 5\nevent: message\ndata: ";
  sse += kList;
  sse += "\n\n";
  EXPECT_EQ(hints(sse, true).size(), 5u);
  EXPECT_TRUE(hints(sse, true).at("echo"));
}

TEST(ToolHints, MalformedGivesNothing) {
  EXPECT_TRUE(hints("{", false).empty());
  EXPECT_TRUE(hints(R"({"result":{"tools":{}}})", false).empty());
  EXPECT_TRUE(hints("data: nope\n\n", true).empty());
}

}  // namespace
}  // namespace mcplb::mcp
