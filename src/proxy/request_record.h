#pragma once
// What one request did, filled in as the connection serves it and handed to the worker's
// metrics and access log when it ends (Connection::end_request). Plain data, no allocation:
// a connection owns one and resets it per request.

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mcplb::proxy {

/// Who wrote the response the client got.
enum class Origin : uint8_t {
  none,     // no response (client gone, or the connection was closed without one)
  backend,  // relayed from a backend
  mcplb,    // mcplb answered itself (refusals, 502/503/504 it made, CORS preflight)
};

struct RequestRecord {
  static constexpr uint8_t kNoMethod = 0xff;
  static constexpr size_t kMaxTool = 64;

  std::chrono::steady_clock::time_point start;  // request head complete
  int pool = -1;                                // index into the topology's pools, -1 = none
  int backend = -1;                             // backend that answered, -1 = none
  unsigned status = 0;
  Origin origin = Origin::none;
  boost::beast::http::verb http_method = boost::beast::http::verb::unknown;
  uint8_t mcp_method = kNoMethod;  // index into McpCounters::kMethods
  bool stream = false;             // the response was a text/event-stream
  uint8_t retries = 0;             // attempts after the first on another backend
  bool failover = false;           // the session moved to another backend for this request
  uint8_t tool_len = 0;
  char tool[kMaxTool];
  uint64_t bytes_in = 0;   // bytes read from the client for this request
  uint64_t bytes_out = 0;  // bytes written to the client for this request
  uint64_t session_hash = 0;  // hash64 of the client's session token, 0 = none

  void begin(std::chrono::steady_clock::time_point now) {
    start = now;
    pool = backend = -1;
    status = 0;
    origin = Origin::none;
    http_method = boost::beast::http::verb::unknown;
    mcp_method = kNoMethod;
    stream = false;
    retries = 0;
    failover = false;
    tool_len = 0;
    bytes_in = bytes_out = 0;
    session_hash = 0;
  }
  void set_tool(std::string_view t) {
    tool_len = static_cast<uint8_t>(std::min(t.size(), kMaxTool));
    if (tool_len > 0) {  // an empty view may have no data pointer at all
      std::memcpy(tool, t.data(), tool_len);
    }
  }
  std::string_view tool_name() const { return {tool, tool_len}; }
};

}  // namespace mcplb::proxy
