#include "methods.h"

#include <gtest/gtest.h>

#include "catalog.h"
#include "server.h"
#include "session_store.h"

namespace mcplb::demo {
namespace {

class MethodsTest : public ::testing::Test {
 protected:
  MethodsTest() : server_(make_options()) {}
  static Options make_options() {
    Options o;
    o.name = "b1";
    return o;
  }

  /// Answers `json` and returns {HTTP status, response body}.
  std::pair<unsigned, std::string> call(std::string_view json, Flavor flavor,
                                        Session* session = nullptr) {
    simdjson::padded_string input(json);
    simdjson::ondemand::document doc;
    Message msg;
    EXPECT_FALSE(parser_.iterate(input).get(doc));
    EXPECT_FALSE(parse_message(doc, msg));
    Exchange ex{server_, flavor, session};
    Out out;
    const unsigned status = answer(msg, ex, out);
    return {status, fmt::to_string(out)};
  }

  Server server_;
  simdjson::ondemand::parser parser_;
};

TEST_F(MethodsTest, StatelessEchoCarriesResultTypeAndServerInfo) {
  auto [status, body] = call(R"({"jsonrpc":"2.0","id":1,"method":"tools/call",)"
                             R"("params":{"name":"echo","arguments":{"text":"hi"}}})",
                             Flavor::stateless);
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(
      body,
      R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}],)"
      R"("isError":false,"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":)"
      R"({"name":"mcp-demo-server","version":")" +
          std::string(server_version()) + R"("}}}})");
}

TEST_F(MethodsTest, SessionResultsHaveNoStatelessExtras) {
  Session session("s", SessionKind::streamable, "2025-11-25");
  auto [status, body] =
      call(R"({"jsonrpc":"2.0","id":"x","method":"ping"})", Flavor::session, &session);
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(body, R"({"jsonrpc":"2.0","id":"x","result":{}})");
  body =
      call(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", Flavor::session, &session).second;
  EXPECT_EQ(body.find("resultType"), std::string::npos);
  EXPECT_NE(body.find(R"("name":"whoami")"), std::string::npos);
}

TEST_F(MethodsTest, UnknownMethodIs404OnlyWhenStateless) {
  Session session("s", SessionKind::streamable, "2025-11-25");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"nope"})", Flavor::session, &session).first,
            200u);
  auto [status, body] = call(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", Flavor::stateless);
  EXPECT_EQ(status, 404u);  // ping was removed in 2026-07-28
  EXPECT_NE(body.find("-32601"), std::string::npos);
}

TEST_F(MethodsTest, ResourceNotFoundCodeDependsOnRevision) {
  Session session("s", SessionKind::streamable, "2025-11-25");
  const char* read =
      R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"ui://x"}})";
  EXPECT_NE(call(read, Flavor::session, &session).second.find("-32002"), std::string::npos);
  EXPECT_NE(call(read, Flavor::stateless).second.find("-32602"), std::string::npos);
  auto body = call(R"({"jsonrpc":"2.0","id":1,"method":"resources/read",)"
                   R"("params":{"uri":"ui://widget/demo.html"}})",
                   Flavor::stateless)
                  .second;
  EXPECT_NE(body.find(R"("mimeType":"text/html+skybridge")"), std::string::npos);
  EXPECT_NE(body.find(R"("cacheScope":"public")"), std::string::npos);
}

TEST_F(MethodsTest, CounterIsPerSessionAndPerServer) {
  Session a("a", SessionKind::streamable, "2025-11-25");
  Session b("b", SessionKind::streamable, "2025-11-25");
  const char* counter =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"counter"}})";
  EXPECT_NE(call(counter, Flavor::session, &a).second.find(R"("b1:1")"), std::string::npos);
  EXPECT_NE(call(counter, Flavor::session, &a).second.find(R"("b1:2")"), std::string::npos);
  EXPECT_NE(call(counter, Flavor::session, &b).second.find(R"("b1:1")"), std::string::npos);
  EXPECT_NE(call(counter, Flavor::stateless).second.find(R"("b1:1")"), std::string::npos);
  EXPECT_NE(call(counter, Flavor::stateless).second.find(R"("b1:2")"), std::string::npos);
}

TEST_F(MethodsTest, NotifyGoesToTheSessionGetStreamAndHonoursSetLevel) {
  asio::io_context ioc;
  Session session("s", SessionKind::streamable, "2025-11-25");
  auto sink = std::make_shared<Sink>(ioc.get_executor());
  session.attach(Session::kGetStream, sink, std::nullopt);
  const char* notify = R"({"jsonrpc":"2.0","id":1,"method":"tools/call",)"
                       R"("params":{"name":"notify","arguments":{"text":"hello"}}})";
  call(notify, Flavor::session, &session);
  std::string frame;
  ASSERT_TRUE(sink->channel().try_receive([&](ErrorCode, std::string f) { frame = std::move(f); }));
  EXPECT_NE(frame.find(R"("method":"notifications/message")"), std::string::npos);
  EXPECT_NE(frame.find(R"("data":"hello")"), std::string::npos);

  call(R"({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"error"}})",
       Flavor::session, &session);
  EXPECT_NE(call(notify, Flavor::session, &session).second.find("filtered"), std::string::npos);
  EXPECT_FALSE(sink->channel().try_receive([](ErrorCode, std::string) {}));
  EXPECT_NE(
      call(R"({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"loud"}})",
           Flavor::session, &session)
          .second.find("-32602"),
      std::string::npos);
}

TEST_F(MethodsTest, ToolErrorsAndUnknownTools) {
  auto body = call(R"({"jsonrpc":"2.0","id":1,"method":"tools/call",)"
                   R"("params":{"name":"echo","arguments":{}}})",
                   Flavor::stateless)
                  .second;
  EXPECT_NE(body.find(R"("isError":true)"), std::string::npos);
  body = call(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"zzz"}})",
              Flavor::stateless)
             .second;
  EXPECT_NE(body.find("-32602"), std::string::npos);
  EXPECT_NE(body.find("Unknown tool: zzz"), std::string::npos);
}

TEST_F(MethodsTest, DiscoverAndInitialize) {
  auto body =
      call(R"({"jsonrpc":"2.0","id":"d","method":"server/discover"})", Flavor::stateless).second;
  EXPECT_NE(body.find(R"("supportedVersions":["2026-07-28","2025-11-25")"), std::string::npos);
  Out out;
  append_initialize_result(out, JsonToken{"0", false, true}, "2025-06-18");
  EXPECT_NE(view(out).find(R"("protocolVersion":"2025-06-18")"), std::string::npos);
  EXPECT_NE(view(out).find(R"("serverInfo":{"name":"mcp-demo-server")"), std::string::npos);
}

TEST(Catalog, NegotiatesVersions) {
  EXPECT_EQ(negotiate_version("2025-06-18", false), "2025-06-18");
  EXPECT_EQ(negotiate_version("2025-03-26", false), "2025-03-26");
  EXPECT_EQ(negotiate_version("2024-11-05", false), "2025-11-25");
  EXPECT_EQ(negotiate_version("2024-11-05", true), "2024-11-05");
  EXPECT_EQ(negotiate_version("2099-01-01", false), "2025-11-25");
  EXPECT_EQ(negotiate_version("", false), "2025-11-25");
  EXPECT_TRUE(is_session_version("2025-11-25"));
  EXPECT_FALSE(is_session_version("2026-07-28"));
  EXPECT_EQ(log_level_rank("debug"), 0);
  EXPECT_EQ(log_level_rank("emergency"), 7);
  EXPECT_EQ(log_level_rank("loud"), -1);
}

TEST(Catalog, ToolsJsonIsValidJson) {
  simdjson::dom::parser parser;
  simdjson::dom::element tools;
  ASSERT_FALSE(parser.parse(std::string(tools_json())).get(tools));
  EXPECT_EQ(simdjson::dom::array(tools).size(), 6u);
  simdjson::dom::element resources;
  ASSERT_FALSE(parser.parse(std::string(resources_json())).get(resources));
}

}  // namespace
}  // namespace mcplb::demo
