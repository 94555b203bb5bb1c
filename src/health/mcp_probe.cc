// The MCP probe: a real client handshake, so a backend whose HTTP server answers but whose
// MCP endpoint does not is unhealthy. Protocol decisions are in README.md.

#include <fmt/format.h>

#include <iterator>

#include "health/jsonrpc_reply.h"
#include "health/probe.h"
#include "health/probe_client.h"

namespace mcplb::health {
namespace {

constexpr int64_t kInitializeId = 1;
constexpr int64_t kPingId = 2;
constexpr int64_t kDiscoverId = 3;
constexpr int64_t kStatelessPingId = 4;

// JSON-RPC codes that mean "this server does not do the 2025 handshake".
constexpr int64_t kMethodNotFound = -32601;
constexpr int64_t kHeaderMismatch = -32020;
constexpr int64_t kUnsupportedProtocolVersion = -32022;

struct PostHeaders {
  std::string_view session;         // Mcp-Session-Id
  std::string_view version;         // MCP-Protocol-Version
  std::string_view method_header;   // Mcp-Method (stateless revision)
};

std::string post(const ProbeSpec& spec, std::string_view host, std::string_view body,
                 const PostHeaders& h) {
  std::string r;
  r.reserve(320 + body.size());
  auto out = std::back_inserter(r);
  fmt::format_to(out,
                 "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mcplb-health\r\n"
                 "Accept: application/json, text/event-stream\r\n"
                 "Content-Type: application/json\r\n",
                 spec.path, host);
  if (!h.session.empty()) {
    fmt::format_to(out, "Mcp-Session-Id: {}\r\n", h.session);
  }
  if (!h.version.empty()) {
    fmt::format_to(out, "MCP-Protocol-Version: {}\r\n", h.version);
  }
  if (!h.method_header.empty()) {
    fmt::format_to(out, "Mcp-Method: {}\r\n", h.method_header);
  }
  fmt::format_to(out, "Content-Length: {}\r\n\r\n{}", body.size(), body);
  return r;
}

std::string client_info() {
  return R"({"name":"mcplb-health","version":")" MCPLB_HEALTH_VERSION R"("})";
}

/// Params of a stateless request: the revision asks for the envelope in `_meta`.
std::string stateless_params(const ProbeSpec& spec) {
  return fmt::format(
      R"({{"_meta":{{"io.modelcontextprotocol/protocolVersion":"{}",)"
      R"("io.modelcontextprotocol/clientInfo":{},)"
      R"("io.modelcontextprotocol/clientCapabilities":{{}}}}}})",
      spec.stateless_version, client_info());
}

/// Why a JSON-RPC answer is not the result we wanted, for the failure reason.
std::string describe(const Response& r, const RpcReply& reply) {
  if (reply.valid && reply.has_error) {
    return fmt::format("status {}, JSON-RPC error {} {}", r.status, reply.error_code,
                       reply.error_message);
  }
  if (!reply.valid) {
    return fmt::format("status {}, {}{}{}", r.status, reply.problem,
                       r.content_type.empty() ? "" : " in ", r.content_type);
  }
  return fmt::format("status {}", r.status);
}

bool visible_ascii(std::string_view s) {
  for (unsigned char ch : s) {
    if (ch < 0x21 || ch > 0x7e) {
      return false;
    }
  }
  return !s.empty();
}

/// One JSON-RPC request; `reply` is read from the JSON body or the SSE event answering `id`.
net::Task<std::string> call(ProbeClient& client, ReplyReader& json, const std::string& request,
                            int64_t id, Response& r, RpcReply& reply) {
  const EventFilter answers = [&json, id](std::string_view data) {
    return json.read(data, id).valid;
  };
  std::string err = co_await client.exchange(request, BodyMode::message, &answers, r);
  if (err.empty()) {
    reply = json.read(r.body, id);
  }
  co_return err;
}

/// notifications/initialized then ping, on the session `initialize` made.
net::Task<ProbeResult> session_checks(ProbeClient& client, const ProbeSpec& spec,
                                      std::string_view host, ReplyReader& json,
                                      const PostHeaders& headers) {
  // Requests are named locals: GCC 12 mishandles temporaries that live across a co_await.
  const std::string initialized =
      post(spec, host, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", headers);
  Response r;
  std::string err = co_await client.exchange(initialized, BodyMode::status_only, nullptr, r);
  if (!err.empty()) {
    co_return ProbeResult{false, "notifications/initialized: " + err};
  }
  if (r.status / 100 != 2) {
    co_return ProbeResult{
        false, fmt::format("notifications/initialized: status {} (expected 202)", r.status)};
  }
  RpcReply reply;
  const std::string ping = post(
      spec, host, fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"ping"}})", kPingId),
      headers);
  err = co_await call(client, json, ping, kPingId, r, reply);
  if (!err.empty()) {
    co_return ProbeResult{false, "ping: " + err};
  }
  if (r.status != 200 || !reply.valid || !reply.has_result) {
    co_return ProbeResult{false, "ping: " + describe(r, reply)};
  }
  co_return ProbeResult{true, fmt::format("initialize + ping ok ({}, session)", headers.version)};
}

/// The 2026-07-28 check: server/discover, or ping for a server without discover.
net::Task<ProbeResult> stateless_checks(ProbeClient& client, const ProbeSpec& spec,
                                        std::string_view host, ReplyReader& json) {
  PostHeaders headers{{}, spec.stateless_version, "server/discover"};
  const std::string params = stateless_params(spec);
  const std::string discover =
      post(spec, host,
           fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"server/discover","params":{}}})",
                       kDiscoverId, params),
           headers);
  Response r;
  RpcReply reply;
  std::string err = co_await call(client, json, discover, kDiscoverId, r, reply);
  if (!err.empty()) {
    co_return ProbeResult{false, "server/discover: " + err};
  }
  if (r.status == 200 && reply.valid && reply.has_result) {
    co_return ProbeResult{
        true, fmt::format("server/discover ok ({}, stateless)", spec.stateless_version)};
  }
  if (!(reply.valid && reply.has_error && reply.error_code == kMethodNotFound)) {
    co_return ProbeResult{false, "server/discover: " + describe(r, reply)};
  }
  headers.method_header = "ping";
  const std::string ping =
      post(spec, host,
           fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"ping","params":{}}})",
                       kStatelessPingId, params),
           headers);
  err = co_await call(client, json, ping, kStatelessPingId, r, reply);
  if (!err.empty()) {
    co_return ProbeResult{false, "ping: " + err};
  }
  if (r.status != 200 || !reply.valid || !reply.has_result) {
    co_return ProbeResult{false, "server/discover unknown, ping: " + describe(r, reply)};
  }
  co_return ProbeResult{true, fmt::format("ping ok ({}, stateless)", spec.stateless_version)};
}

}  // namespace

net::Task<ProbeResult> mcp_probe(ProbeClient& client, const ProbeSpec& spec,
                                 std::string_view host, ReplyReader& json) {
  const std::string initialize = post(
      spec, host,
      fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"initialize","params":{{)"
                  R"("protocolVersion":"{}","capabilities":{{}},"clientInfo":{}}}}})",
                  kInitializeId, spec.protocol_version, client_info()),
      {});
  Response r;
  RpcReply reply;
  std::string err = co_await call(client, json, initialize, kInitializeId, r, reply);
  if (!err.empty()) {
    co_return ProbeResult{false, "initialize: " + err};
  }
  if (reply.valid && reply.has_error &&
      (reply.error_code == kUnsupportedProtocolVersion || reply.error_code == kHeaderMismatch ||
       reply.error_code == kMethodNotFound)) {
    ProbeResult stateless = co_await stateless_checks(client, spec, host, json);
    if (!stateless.ok) {
      stateless.detail = fmt::format("initialize refused ({}), then {}", reply.error_code,
                                     stateless.detail);
    }
    co_return stateless;
  }
  if (r.status != 200 || !reply.valid || !reply.has_result) {
    co_return ProbeResult{false, "initialize: " + describe(r, reply)};
  }
  if (reply.protocol_version.empty()) {
    co_return ProbeResult{false, "initialize: result without protocolVersion"};
  }
  if (r.session_id.empty()) {
    // A server without sessions: the handshake itself is the whole check.
    co_return ProbeResult{
        true, fmt::format("initialize ok ({}, no session)", reply.protocol_version)};
  }
  if (!visible_ascii(r.session_id)) {
    co_return ProbeResult{false, "initialize: Mcp-Session-Id is not visible ASCII"};
  }
  const std::string session = r.session_id;
  const std::string version = reply.protocol_version;
  if (!visible_ascii(version) || version.find_first_of("\"\\") != std::string::npos) {
    co_return ProbeResult{false, "initialize: protocolVersion is not a token"};
  }
  const PostHeaders headers{session, version, {}};
  ProbeResult result = co_await session_checks(client, spec, host, json, headers);
  // End the session whatever the checks said: a probe every few seconds must not leave
  // sessions behind. Its failure (405 is allowed by the spec) does not count.
  const std::string del = fmt::format(
      "DELETE {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mcplb-health\r\nMcp-Session-Id: {}\r\n"
      "MCP-Protocol-Version: {}\r\nConnection: close\r\n\r\n",
      spec.path, host, session, version);
  Response ignored;
  co_await client.exchange(del, BodyMode::status_only, nullptr, ignored);
  co_return result;
}

}  // namespace mcplb::health
