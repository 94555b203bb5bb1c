#pragma once
// Reads the JSON-RPC 2.0 response a probe got back (simdjson DOM: a probe body is small and
// rare, so validating all of it is worth more than on-demand speed).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace simdjson::dom {
class parser;
}

namespace mcplb::health {

struct RpcReply {
  bool valid = false;        // a JSON-RPC 2.0 response to the expected id (errors: or id null)
  bool has_result = false;
  bool has_error = false;
  int64_t error_code = 0;
  std::string error_message;     // truncated to 160 bytes
  std::string protocol_version;  // result.protocolVersion when it is a string
  std::string problem;           // why it is not valid, for the failure reason
};

/// One per checker thread: the parser keeps its buffers between probes. Not thread-safe.
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  /// Parses `json` as the response to request `id`.
  RpcReply read(std::string_view json, int64_t id);

 private:
  std::unique_ptr<simdjson::dom::parser> parser_;
};

}  // namespace mcplb::health
