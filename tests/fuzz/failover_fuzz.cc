// Arbitrary bytes -> the failover readers (initialize replay body, tools/list hints as JSON
// and as SSE): must never crash, and a replay body must be a valid JSON-RPC initialize.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mcp/replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  if (mcplb::mcp::replay_initialize_body(in, out)) {
    static simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view method;
    if (parser.parse(out).get(doc) != simdjson::SUCCESS ||
        doc["method"].get_string().get(method) != simdjson::SUCCESS || method != "initialize") {
      std::abort();
    }
  }
  size_t seen = 0;
  auto count = [&](std::string_view name, bool) {
    if (name.empty()) {
      std::abort();
    }
    ++seen;
  };
  mcplb::mcp::read_tool_hints(in, false, count);
  mcplb::mcp::read_tool_hints(in, true, count);
  return 0;
}
