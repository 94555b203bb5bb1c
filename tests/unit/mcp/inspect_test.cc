#include "mcp/inspect.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mcplb::mcp {
namespace {

constexpr std::string_view kToolsCall =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call",)"
    R"("params":{"name":"echo","arguments":{"text":"hello"}}})";

bool points_into(std::string_view view, std::string_view buffer) {
  return view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size();
}

TEST(Inspect, TypicalToolsCall) {
  const std::string body(kToolsCall);
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok) << in.detail;
  EXPECT_EQ(in.kind, MessageKind::request);
  EXPECT_EQ(in.method, "tools/call");
  EXPECT_EQ(in.id, "1");
  EXPECT_EQ(in.name, "echo");
  EXPECT_FALSE(in.uri);
  EXPECT_FALSE(in.protocol_version);
  EXPECT_FALSE(in.has_progress_token);
  EXPECT_FALSE(in.is_initialize());
  // Views point into the caller's body, not into an internal copy.
  EXPECT_TRUE(points_into(*in.method, body));
  EXPECT_TRUE(points_into(*in.name, body));
  EXPECT_TRUE(points_into(in.id, body));
}

TEST(Inspect, InitializeRequest) {
  const std::string body =
      R"({"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},)"
      R"("clientInfo":{"name":"client","version":"1.0"}},"jsonrpc":"2.0","id":0})";
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok) << in.detail;
  EXPECT_EQ(in.kind, MessageKind::request);
  EXPECT_TRUE(in.is_initialize());
  EXPECT_EQ(in.protocol_version, "2025-11-25");
  EXPECT_EQ(in.id, "0");
  EXPECT_FALSE(in.name);  // clientInfo.name is not params.name
}

TEST(Inspect, StatelessEnvelopeAndProgressToken) {
  const std::string body =
      R"({"jsonrpc":"2.0","id":"req-7","method":"resources/read","params":{"uri":"file:///a.txt",)"
      R"("_meta":{"progressToken":"p1","io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
      R"("io.modelcontextprotocol/clientCapabilities":{}}}})";
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok) << in.detail;
  EXPECT_EQ(in.id, R"("req-7")");
  EXPECT_EQ(in.uri, "file:///a.txt");
  EXPECT_TRUE(in.has_progress_token);
  EXPECT_EQ(in.meta_protocol_version, "2026-07-28");
}

TEST(Inspect, NotificationAndResponses) {
  Inspection in;
  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", true, in),
            InspectStatus::ok);
  EXPECT_EQ(in.kind, MessageKind::notification);
  EXPECT_TRUE(in.id.empty());

  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","id":5,"result":{"content":[]}})", true, in),
            InspectStatus::ok);
  EXPECT_EQ(in.kind, MessageKind::response);
  EXPECT_EQ(in.id, "5");
  EXPECT_FALSE(in.method);

  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","id":null,"error":{"code":-1,"message":"x"}})", true, in),
            InspectStatus::ok);
  EXPECT_EQ(in.kind, MessageKind::response);
  EXPECT_EQ(in.id, "null");
}

TEST(Inspect, Batch) {
  const std::string body =
      R"([{"jsonrpc":"2.0","id":1,"method":"tools/list"},)"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"},)"
      R"(7,{"jsonrpc":"2.0","id":2,"method":"initialize",)"
      R"("params":{"protocolVersion":"2025-03-26"}}])";
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok) << in.detail;
  EXPECT_EQ(in.kind, MessageKind::batch);
  EXPECT_EQ(in.batch_size, 4u);
  EXPECT_TRUE(in.batch_has_initialize);
  EXPECT_TRUE(in.is_initialize());
  ASSERT_EQ(in.batch_methods_count, 3);
  EXPECT_EQ(in.batch_methods[0], "tools/list");
  EXPECT_EQ(in.batch_methods[1], "notifications/initialized");
  EXPECT_EQ(in.batch_methods[2], "initialize");
  EXPECT_EQ(in.method, "tools/list");  // the first item's fields
  EXPECT_EQ(in.id, "1");
}

TEST(Inspect, LargeBatchCountsEverything) {
  std::string body = "[";
  for (int i = 0; i < 50; ++i) {
    body += (i ? "," : "") + std::string(R"({"jsonrpc":"2.0","id":)") + std::to_string(i) +
            R"(,"method":"m)" + std::to_string(i) + "\"}";
  }
  body += "]";
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok);
  EXPECT_EQ(in.batch_size, 50u);
  EXPECT_EQ(in.batch_methods_count, kMaxBatchMethods);
  EXPECT_EQ(in.batch_methods[7], "m7");
  EXPECT_FALSE(in.batch_has_initialize);
}

TEST(Inspect, ParseErrors) {
  for (std::string_view body : {
           "", "   ", "{", "}", "{\"jsonrpc\":\"2.0\",", "nope", "{\"a\":}", "{\"a\" 1}",
           "{\"a\":1 \"b\":2}", "{}x", "{} {}", "{\"jsonrpc\":\"2.0\",\"method\":\"x\"}}",
           "[1,2", "\"unterminated", "{\"method\":\"a\xff\"}", "tru", "-", "{'a':1}",
           "{\"method\":\"a\\qb\",\"jsonrpc\":\"2.0\"}",  // bad escape in a read field
           "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1x}",
           "null8", "true8", "1 2", "\"a\" \"b\"", "\"\\x\"", "01",
       }) {
    Inspection in;
    EXPECT_EQ(inspect(body, true, in), InspectStatus::parse_error) << body << " " << in.detail;
    EXPECT_EQ(in.kind, MessageKind::invalid);
    EXPECT_FALSE(in.method);
  }
}

TEST(Inspect, InvalidRequests) {
  for (std::string_view body : {
           "42", "\"str\"", "null", "true", "[]", "{}", "0e99999", " 1e400 ", "\"\\u00e9\"",
           R"({"jsonrpc":"1.0","id":1,"method":"x"})",
           R"({"id":1,"method":"x"})",
           R"({"jsonrpc":2.0,"id":1,"method":"x"})",
           R"({"jsonrpc":"2.0","id":1,"method":5})",
           R"({"jsonrpc":"2.0","id":{"a":1},"method":"x"})",
           R"({"jsonrpc":"2.0","id":[1],"method":"x"})",
           R"({"jsonrpc":"2.0","id":true,"method":"x"})",
           R"({"jsonrpc":"2.0","id":null,"method":"x"})",
           R"({"jsonrpc":"2.0","id":1,"method":"x","params":5})",
           R"({"jsonrpc":"2.0","id":1,"method":"x","params":"p"})",
           R"({"jsonrpc":"2.0","id":1,"method":"x","result":{}})",
           R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})",
           R"({"jsonrpc":"2.0","result":{}})",
           R"({"jsonrpc":"2.0","id":1})",
           // Duplicates: JSON.parse keeps the last one, so reading the first would be a lie.
           R"({"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"})",
           R"({"jsonrpc":"2.0","id":1,"method":"tools/list","\u006dethod":"tools/call"})",
           R"({"jsonrpc":"2.0","id":1,"id":2,"method":"x"})",
           R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}})",
           R"({"jsonrpc":"2.0","id":1,"method":"x","params":{},"params":{}})",
           R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{},"_meta":{}}})",
           R"([{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}])",
       }) {
    Inspection in;
    EXPECT_EQ(inspect(body, true, in), InspectStatus::invalid_request) << body;
    EXPECT_EQ(in.kind, MessageKind::invalid) << body;
    EXPECT_FALSE(in.detail.empty());
  }
}

TEST(Inspect, MalformedJsonWinsOverInvalidRequest) {
  Inspection in;
  // Not JSON-RPC (jsonrpc "1.0") AND not JSON (trailing garbage): JSON-RPC says parse error.
  EXPECT_EQ(inspect(R"({"jsonrpc":"1.0","method":"x"} garbage)", true, in),
            InspectStatus::parse_error);
  EXPECT_EQ(inspect(R"({"method":"x","method":"y",)", true, in), InspectStatus::parse_error);
}

TEST(Inspect, NumbersAreCheckedByGrammarNotRange) {
  Inspection in;
  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","id":1e400,"method":"x","params":{"n":0e99999}})", true,
                    in),
            InspectStatus::ok)
      << in.detail;
  EXPECT_EQ(in.id, "1e400");
  EXPECT_EQ(inspect(R"({"jsonrpc":"2.0","id":1.,"method":"x"})", true, in),
            InspectStatus::parse_error);
  EXPECT_EQ(inspect(R"({"jsonrpc":"2.0","id":-01,"method":"x"})", true, in),
            InspectStatus::parse_error);
}

TEST(Inspect, EscapedStringsAreDecoded) {
  const std::string body =
      R"({"jsonrpc":"2.0","id":"a\"b","method":"tools\/call","params":{"name":"caf\u00e9"}})";
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok) << in.detail;
  EXPECT_EQ(in.method, "tools/call");
  EXPECT_EQ(in.name, "caf\xc3\xa9");
  EXPECT_FALSE(points_into(*in.method, body));  // decoded copy in the Inspection
  EXPECT_EQ(in.id, R"("a\"b")");                // ids stay raw JSON text
  EXPECT_FALSE(in.lossy);
}

TEST(Inspect, EscapedKeysAreRecognised) {
  Inspection in;
  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","id":1,"\u006dethod":"tools/call"})", true, in),
            InspectStatus::ok);
  EXPECT_EQ(in.method, "tools/call");
}

TEST(Inspect, LongEscapedValueIsLossy) {
  std::string name;
  for (int i = 0; i < 400; ++i) {
    name += "\\u0041";
  }
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" +
                           name + "\"}}";
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok);
  EXPECT_TRUE(in.lossy);
  EXPECT_FALSE(in.name);
  EXPECT_EQ(in.method, "tools/call");
}

TEST(Inspect, LongPlainValuesAreFine) {
  const std::string name(10000, 'n');
  const std::string body =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + name + "\"}}";
  Inspection in;
  ASSERT_EQ(inspect(body, true, in), InspectStatus::ok);
  EXPECT_EQ(in.name, name);
}

TEST(Inspect, WhitespaceAndOddButValidShapes) {
  Inspection in;
  ASSERT_EQ(inspect(" \n\t{ \"jsonrpc\" : \"2.0\" , \"id\" : -7 , \"method\" : \"ping\" } \r\n",
                    true, in),
            InspectStatus::ok);
  EXPECT_EQ(in.id, "-7");
  EXPECT_EQ(in.method, "ping");
  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","id":1.5e2,"method":"x","params":[1,2]})", true, in),
            InspectStatus::ok);
  EXPECT_EQ(in.id, "1.5e2");
  EXPECT_FALSE(in.name);
  // Members we do not read may hold anything.
  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","id":1,"method":"x","extra":[{"a":[null,true]}],)"
                    R"("params":{"name":7,"uri":{},"arguments":{"name":"inner"}}})",
                    true, in),
            InspectStatus::ok);
  EXPECT_FALSE(in.name);  // a non-string name is not reported (and not an error here)
  EXPECT_FALSE(in.uri);
}

TEST(Inspect, DeepNesting) {
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":)";
  for (int i = 0; i < 500; ++i) {
    deep += "[";
  }
  for (int i = 0; i < 500; ++i) {
    deep += "]";
  }
  deep += "}}";
  Inspection in;
  EXPECT_EQ(inspect(deep, true, in), InspectStatus::ok) << in.detail;
  std::string too_deep = R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)";
  for (int i = 0; i < 5000; ++i) {
    too_deep += "[";
  }
  for (int i = 0; i < 5000; ++i) {
    too_deep += "]";
  }
  too_deep += "}}";
  // Nesting inside skipped members is only bracket-counted, so no depth limit applies there;
  // either answer is fine as long as nothing overflows.
  const InspectStatus st = inspect(too_deep, true, in);
  EXPECT_TRUE(st == InspectStatus::ok || st == InspectStatus::parse_error);
  EXPECT_EQ(in.method, st == InspectStatus::ok ? std::optional<std::string_view>("x")
                                               : std::nullopt);
}

// A big tools/call as the TypeScript SDK writes it: method, params (name first), jsonrpc, id.
std::string big_ts_body(size_t payload) {
  return R"({"method":"tools/call","params":{"name":"render_chart","arguments":{"data":")" +
         std::string(payload, 'x') + R"("}},"jsonrpc":"2.0","id":42})";
}

TEST(Inspect, TruncatedBodyKeepsWhatCameBeforeTheCut) {
  const std::string body = big_ts_body(200'000);
  Inspection in;
  // Whole body offered but larger than the bound.
  ASSERT_EQ(inspect(body, true, in), InspectStatus::incomplete);
  EXPECT_EQ(in.method, "tools/call");
  EXPECT_EQ(in.name, "render_chart");
  EXPECT_TRUE(in.id.empty());  // it is after the cut
  EXPECT_EQ(in.kind, MessageKind::request);
  // A prefix offered as incomplete.
  ASSERT_EQ(inspect(std::string_view(body).substr(0, 1000), false, in),
            InspectStatus::incomplete);
  EXPECT_EQ(in.name, "render_chart");
  EXPECT_TRUE(points_into(*in.name, body));
}

TEST(Inspect, EveryPrefixIsSafeAndNeverWrong) {
  const std::string body = std::string(R"({"jsonrpc":"2.0","id":12345,"method":"tools/call",)") +
                           R"("params":{"name":"e\"cho","_meta":{"progressToken":7},)" +
                           R"("arguments":{"text":"h\u00e9llo \\ w\u00f6rld"}}})";
  Inspection full;
  ASSERT_EQ(inspect(body, true, full), InspectStatus::ok) << full.detail;
  for (size_t len = 0; len < body.size(); ++len) {
    const std::string prefix = body.substr(0, len);
    Inspection in;
    const InspectStatus st = inspect(prefix, false, in);
    ASSERT_TRUE(st == InspectStatus::incomplete || st == InspectStatus::invalid_request)
        << len << " " << to_string(st);
    ASSERT_EQ(st, InspectStatus::incomplete) << len << ": " << in.detail;
    if (in.method) {
      EXPECT_EQ(*in.method, "tools/call") << len;
    }
    if (!in.id.empty()) {
      EXPECT_EQ(in.id, "12345") << len;
    }
    if (in.name) {
      EXPECT_EQ(*in.name, "e\"cho") << len;
    }
    // The complete message is "incomplete" only because the caller said so.
  }
  Inspection in;
  ASSERT_EQ(inspect(body, false, in), InspectStatus::incomplete);
  EXPECT_EQ(in.method, "tools/call");
  EXPECT_EQ(in.id, "12345");
  EXPECT_EQ(in.name, "e\"cho");
  EXPECT_TRUE(in.has_progress_token);
}

TEST(Inspect, CutInsideMultibyteCharacterOrEscape) {
  const std::string body = R"({"jsonrpc":"2.0","method":"tools/call","params":{"name":"x",)"
                           R"("arguments":{"t":"€€€ \\\\ end"}}})";
  for (size_t len = body.find("€"); len < body.size(); ++len) {
    Inspection in;
    ASSERT_EQ(inspect(std::string_view(body).substr(0, len), false, in),
              InspectStatus::incomplete)
        << len;
    EXPECT_EQ(in.method, "tools/call") << len;
    EXPECT_EQ(in.name, "x") << len;
  }
}

TEST(Inspect, InvalidPrefixIsReportedEvenWhenCut) {
  Inspection in;
  EXPECT_EQ(inspect(R"({"jsonrpc":"1.0","method":"tools/call","params":{"name":"x)", false, in),
            InspectStatus::invalid_request);
}

TEST(Inspect, PaddedMatchesCopying) {
  const std::vector<std::string> bodies = {
      std::string(kToolsCall),
      R"({"jsonrpc":"2.0","id":"x","method":"tools\/call","params":{"name":"a\nb"}})",
      R"([{"jsonrpc":"2.0","id":1,"method":"initialize"}])",
      "{bad json",
      "{}",
  };
  for (const std::string& b : bodies) {
    std::string padded = b;
    padded.resize(b.size() + kInspectPadding, 'Z');  // the padding content does not matter
    const std::string_view view(padded.data(), b.size());
    Inspection a;
    Inspection p;
    const InspectStatus sa = inspect(b, true, a);
    const InspectStatus sp = inspect_padded(view, padded.size(), true, p);
    EXPECT_EQ(sa, sp) << b;
    EXPECT_EQ(a.kind, p.kind) << b;
    EXPECT_EQ(a.method, p.method) << b;
    EXPECT_EQ(a.name, p.name) << b;
    EXPECT_EQ(a.id, p.id) << b;
    if (p.method && sp == InspectStatus::ok && b.find('\\') == std::string::npos) {
      EXPECT_TRUE(points_into(*p.method, view));
    }
  }
  // Not enough padding: falls back to copying, same answer.
  Inspection p;
  EXPECT_EQ(inspect_padded(kToolsCall, kToolsCall.size(), true, p), InspectStatus::ok);
  EXPECT_EQ(p.name, "echo");
}

TEST(Inspect, ReuseOfOneInspectionResetsEverything) {
  Inspection in;
  ASSERT_EQ(inspect(R"([{"jsonrpc":"2.0","id":1,"method":"initialize",)"
                    R"("params":{"protocolVersion":"x","name":"n","_meta":{"progressToken":1}}}])",
                    true, in),
            InspectStatus::ok);
  ASSERT_EQ(inspect(R"({"jsonrpc":"2.0","method":"notifications/x"})", true, in),
            InspectStatus::ok);
  EXPECT_EQ(in.kind, MessageKind::notification);
  EXPECT_EQ(in.batch_size, 0u);
  EXPECT_FALSE(in.batch_has_initialize);
  EXPECT_FALSE(in.protocol_version);
  EXPECT_FALSE(in.name);
  EXPECT_FALSE(in.has_progress_token);
  EXPECT_TRUE(in.id.empty());
}

}  // namespace
}  // namespace mcplb::mcp
