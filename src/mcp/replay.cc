#include "mcp/replay.h"

#include <simdjson.h>

#include <fmt/format.h>

namespace mcplb::mcp {
namespace {

simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p;
  return p;
}

size_t tools_of(std::string_view json,
                const std::function<void(std::string_view, bool)>& tool) {
  simdjson::dom::element doc;
  if (parser().parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) {
    return 0;
  }
  simdjson::dom::array tools;
  if (doc["result"]["tools"].get_array().get(tools) != simdjson::SUCCESS) {
    return 0;
  }
  size_t n = 0;
  for (simdjson::dom::element t : tools) {
    std::string_view name;
    if (t["name"].get_string().get(name) != simdjson::SUCCESS || name.empty()) {
      continue;
    }
    bool read_only = false;
    bool idempotent = false;
    simdjson::dom::object ann;
    if (t["annotations"].get_object().get(ann) == simdjson::SUCCESS) {
      // Absent or not a boolean: the hint's default, false.
      if (ann["readOnlyHint"].get_bool().get(read_only) != simdjson::SUCCESS) {
        read_only = false;
      }
      if (ann["idempotentHint"].get_bool().get(idempotent) != simdjson::SUCCESS) {
        idempotent = false;
      }
    }
    tool(name, read_only || idempotent);
    ++n;
  }
  return n;
}

}  // namespace

bool replay_initialize_body(std::string_view initialize, std::string& out) {
  simdjson::dom::element doc;
  if (parser().parse(initialize.data(), initialize.size()).get(doc) != simdjson::SUCCESS) {
    return false;
  }
  std::string_view method;
  simdjson::dom::object params;
  if (doc["method"].get_string().get(method) != simdjson::SUCCESS || method != "initialize" ||
      doc["params"].get_object().get(params) != simdjson::SUCCESS) {
    return false;
  }
  out = fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"initialize","params":{}}})",
                    kReplayInitializeId, simdjson::minify(params));
  return true;
}

size_t read_tool_hints(std::string_view body, bool event_stream,
                       const std::function<void(std::string_view, bool)>& tool) {
  if (!event_stream) {
    return tools_of(body, tool);
  }
  // SSE: an event's data is its `data:` lines joined by '\n'; events end at a blank line.
  size_t n = 0;
  std::string data;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t eol = body.find('\n', pos);
    std::string_view line = body.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      if (!data.empty()) {
        n += tools_of(data, tool);
        data.clear();
      }
    } else if (line.starts_with("data:")) {
      std::string_view v = line.substr(5);
      if (!v.empty() && v.front() == ' ') {
        v.remove_prefix(1);
      }
      if (!data.empty()) {
        data.push_back('\n');
      }
      data.append(v);
    }
    if (eol == std::string_view::npos) {
      break;
    }
    pos = eol + 1;
  }
  if (!data.empty()) {
    n += tools_of(data, tool);
  }
  return n;
}

}  // namespace mcplb::mcp
