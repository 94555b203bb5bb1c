#include "catalog.h"

#include <array>

#ifndef MCP_DEMO_VERSION
#define MCP_DEMO_VERSION "0.0.0"
#endif

namespace mcplb::demo {

std::string_view server_version() { return MCP_DEMO_VERSION; }

bool is_session_version(std::string_view v) {
  return v == "2025-11-25" || v == "2025-06-18" || v == "2025-03-26" || v == kOldSseVersion;
}

std::string_view negotiate_version(std::string_view requested, bool old_sse_transport) {
  if (requested == "2025-11-25") {
    return "2025-11-25";
  }
  if (requested == "2025-06-18") {
    return "2025-06-18";
  }
  if (requested == "2025-03-26") {
    return "2025-03-26";
  }
  if (old_sse_transport && requested == kOldSseVersion) {
    return kOldSseVersion;
  }
  return kLatestSessionVersion;
}

std::string_view tools_json() {
  // Annotations tell a balancer which calls are safe to retry on another backend:
  // echo/whoami/slow/progress are read-only; counter and notify are not idempotent.
  return R"([)"
         R"({"name":"echo","description":"Returns the given text (argument text, or message).",)"
         R"("inputSchema":{"type":"object","properties":{)"
         R"("text":{"type":"string","description":"Text to return"},)"
         R"("message":{"type":"string","description":"Alias of text"}}},)"
         R"("annotations":{"title":"Echo","readOnlyHint":true,"destructiveHint":false,)"
         R"("idempotentHint":true,"openWorldHint":false}},)"
         R"({"name":"slow","description":"Waits ms milliseconds (without blocking the )"
         R"(server), then answers.",)"
         R"("inputSchema":{"type":"object","properties":{)"
         R"("ms":{"type":"integer","minimum":0,"maximum":600000}},"required":["ms"]},)"
         R"("annotations":{"title":"Slow","readOnlyHint":true,"destructiveHint":false,)"
         R"("idempotentHint":true,"openWorldHint":false}},)"
         R"({"name":"counter","description":"Increments and returns a counter kept per )"
         R"(session (per server for stateless requests), as <server>:<n>.",)"
         R"("inputSchema":{"type":"object","properties":{}},)"
         R"("annotations":{"title":"Counter","readOnlyHint":false,"destructiveHint":false,)"
         R"("idempotentHint":false,"openWorldHint":false}},)"
         R"({"name":"progress","description":"Sends steps progress notifications )"
         R"(interval_ms apart (needs _meta.progressToken and an SSE-capable client), )"
         R"(then answers.",)"
         R"("inputSchema":{"type":"object","properties":{)"
         R"("steps":{"type":"integer","minimum":1,"maximum":1000,"default":5},)"
         R"("interval_ms":{"type":"integer","minimum":0,"maximum":60000,"default":100}}},)"
         R"("annotations":{"title":"Progress","readOnlyHint":true,"destructiveHint":false,)"
         R"("idempotentHint":true,"openWorldHint":false}},)"
         R"({"name":"whoami","description":"Returns the name of this server instance )"
         R"((its --name).",)"
         R"("inputSchema":{"type":"object","properties":{}},)"
         R"("annotations":{"title":"Who am I","readOnlyHint":true,"destructiveHint":false,)"
         R"("idempotentHint":true,"openWorldHint":false},)"
         R"("_meta":{"openai/outputTemplate":"ui://widget/demo.html"}},)"
         R"({"name":"notify","description":"Sends text as a notifications/message log )"
         R"(event on the session's GET SSE stream.",)"
         R"("inputSchema":{"type":"object","properties":{)"
         R"("text":{"type":"string"}},"required":["text"]},)"
         R"("annotations":{"title":"Notify","readOnlyHint":false,"destructiveHint":false,)"
         R"("idempotentHint":false,"openWorldHint":false}})"
         R"(])";
}

std::string_view resources_json() {
  return R"([{"uri":"ui://widget/demo.html","name":"demo-widget","title":"Demo widget",)"
         R"("description":"A small HTML widget that shows which backend answered.",)"
         R"("mimeType":"text/html+skybridge"}])";
}

std::string_view widget_html() {
  return R"HTML(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>mcp-demo-server widget</title>
<style>body{font:14px system-ui,sans-serif;margin:12px}#who{font-weight:600}</style></head>
<body>
<div>Answered by <span id="who">?</span></div>
<script>
  const out = (window.openai && window.openai.toolOutput) || {};
  const text = (out.content && out.content[0] && out.content[0].text) || out.text || "";
  document.getElementById("who").textContent = text || "(no tool output)";
</script>
</body>
</html>
)HTML";
}

int log_level_rank(std::string_view level) {
  static constexpr std::array<std::string_view, 8> kLevels = {
      "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace mcplb::demo
