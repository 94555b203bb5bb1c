#include "health/jsonrpc_reply.h"

#include <gtest/gtest.h>

namespace mcplb::health {
namespace {

TEST(ReplyReader, InitializeResult) {
  ReplyReader r;
  RpcReply a = r.read(
      R"({"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{}}})",
      1);
  EXPECT_TRUE(a.valid);
  EXPECT_TRUE(a.has_result);
  EXPECT_EQ(a.protocol_version, "2025-11-25");
}

TEST(ReplyReader, Errors) {
  ReplyReader r;
  RpcReply a = r.read(
      R"({"jsonrpc":"2.0","id":1,"error":{"code":-32022,"message":"Unsupported protocol version",)"
      R"("data":{"supported":["2026-07-28"]}}})",
      1);
  EXPECT_TRUE(a.valid);
  EXPECT_TRUE(a.has_error);
  EXPECT_EQ(a.error_code, -32022);
  EXPECT_EQ(a.error_message, "Unsupported protocol version");
  // A server that could not read the request answers with id null.
  RpcReply b = r.read(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})", 3);
  EXPECT_TRUE(b.valid);
}

TEST(ReplyReader, RejectsWhatIsNotTheAnswer) {
  ReplyReader r;
  EXPECT_FALSE(r.read("<html></html>", 1).valid);
  EXPECT_EQ(r.read("<html></html>", 1).problem, "not JSON");
  EXPECT_FALSE(r.read(R"({"id":1,"result":{}})", 1).valid);                   // no jsonrpc
  EXPECT_FALSE(r.read(R"({"jsonrpc":"2.0","id":2,"result":{}})", 1).valid);   // other id
  EXPECT_FALSE(r.read(R"({"jsonrpc":"2.0","id":"1","result":{}})", 1).valid); // string id
  EXPECT_FALSE(r.read(R"({"jsonrpc":"2.0","id":null,"result":{}})", 1).valid);
  EXPECT_FALSE(r.read(R"({"jsonrpc":"2.0","method":"notifications/message"})", 1).valid);
  EXPECT_FALSE(r.read(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1}})", 1).valid);
  EXPECT_FALSE(r.read(R"([{"jsonrpc":"2.0","id":1,"result":{}}])", 1).valid);
  EXPECT_FALSE(r.read(R"({"jsonrpc":"2.0","id":1,"result":{})", 1).valid);   // cut
  EXPECT_FALSE(r.read("", 1).valid);
}

}  // namespace
}  // namespace mcplb::health
