#include "jsonrpc.h"

#include <gtest/gtest.h>

namespace mcplb::demo {
namespace {

struct Parsed {
  simdjson::ondemand::parser parser;
  simdjson::padded_string input;
  simdjson::ondemand::document doc;
  Message msg;
  simdjson::error_code error = simdjson::SUCCESS;

  explicit Parsed(std::string_view text) : input(text) {
    error = parser.iterate(input).get(doc);
    if (!error) {
      error = parse_message(doc, msg);
    }
  }
};

TEST(JsonRpc, ParsesToolCall) {
  Parsed p(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",
      "arguments":{"text":"hi\n","ms":100.0,"steps":3,"other":[1,{"x":null}]},
      "_meta":{"progressToken":"tok","io.modelcontextprotocol/protocolVersion":"2026-07-28",
      "io.modelcontextprotocol/logLevel":"info"}}})");
  ASSERT_FALSE(p.error);
  const Message& m = p.msg;
  EXPECT_EQ(m.kind, Kind::request);
  EXPECT_EQ(m.method, "tools/call");
  EXPECT_EQ(m.name, "echo");
  EXPECT_EQ(m.args.text, "hi\n");
  EXPECT_EQ(m.args.ms, 100);
  EXPECT_EQ(m.args.steps, 3);
  EXPECT_FALSE(m.args.interval_ms);
  EXPECT_TRUE(m.args.bad.empty());
  EXPECT_TRUE(m.progress_token.present);
  EXPECT_TRUE(m.progress_token.is_string);
  EXPECT_EQ(m.progress_token.text, "tok");
  EXPECT_EQ(m.meta_protocol, "2026-07-28");
  EXPECT_EQ(m.meta_log_level, "info");
  Out out;
  append_token(out, m.id);
  EXPECT_EQ(view(out), "1");
}

TEST(JsonRpc, ClassifiesMessages) {
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").msg.kind,
            Kind::notification);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":"a","result":{}})").msg.kind, Kind::response);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":7,"error":{"code":1,"message":"x"}})").msg.kind,
            Kind::response);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"1.0","id":1,"method":"ping"})").msg.kind, Kind::invalid);
  EXPECT_EQ(Parsed(R"({"id":1,"method":"ping"})").msg.kind, Kind::invalid);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":null,"method":"ping"})").msg.kind, Kind::invalid);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":{},"method":"ping"})").msg.kind, Kind::invalid);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":1,"method":5})").msg.kind, Kind::invalid);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1]})").msg.kind,
            Kind::invalid);
}

TEST(JsonRpc, KeepsIdsVerbatimAndEscapesStrings) {
  Out out;
  append_token(out, Parsed(R"({"jsonrpc":"2.0","id":"a\"b","method":"ping"})").msg.id);
  EXPECT_EQ(view(out), R"("a\"b")");
  out.clear();
  append_token(out, Parsed(R"({"jsonrpc":"2.0","id": 12345678901234 ,"method":"ping"})").msg.id);
  EXPECT_EQ(view(out), "12345678901234");
  out.clear();
  append_error(out, {}, kParseError, "Parse error");
  EXPECT_EQ(view(out),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
}

TEST(JsonRpc, FlagsBadArgumentTypes) {
  Parsed p(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow",
      "arguments":{"ms":"100","text":5}}})");
  ASSERT_FALSE(p.error);
  EXPECT_FALSE(p.msg.args.ms);
  EXPECT_FALSE(p.msg.args.text);
  EXPECT_EQ(p.msg.args.bad, "ms");
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"arguments":{"ms":1.5}}})")
                .msg.args.bad,
            "ms");
}

TEST(JsonRpc, RejectsMalformedJsonAnywhere) {
  for (const char* text : {
           R"({"jsonrpc":"2.0","id":1,"method":"ping","x":tru})",
           R"({"jsonrpc":"2.0","id":1,"method":"ping","x":[1,2,}})",
           R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"a":"\q"}}})",
           R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"c":nul}})",
           R"({"jsonrpc":"2.0","id":1,"method":"ping"} trailing)",
           R"({"jsonrpc":"2.0","id":1x,"method":"ping"})",
           R"({"jsonrpc":"2.0",)",
       }) {
    EXPECT_TRUE(Parsed(text).error) << text;
  }
  EXPECT_FALSE(Parsed(R"({"jsonrpc":"2.0","id":1,"method":"m",)"
                      R"("params":{"z":{"y":[true,false,null,-1.5e3,"s"]}}})")
                   .error);
}

}  // namespace
}  // namespace mcplb::demo
