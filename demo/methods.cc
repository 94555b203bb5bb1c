#include "methods.h"

#include "catalog.h"
#include "server.h"
#include "session_store.h"
#include "tools.h"

namespace mcplb::demo {
namespace {

void begin_result(Out& out, const JsonToken& id) {
  append(out, R"({"jsonrpc":"2.0","id":)");
  append_token(out, id);
  append(out, R"(,"result":{)");
}

/// Closes a result. Stateless (2026-07-28) results carry resultType, cache hints on
/// cacheable results, and the server's identity in _meta.
void end_result(Out& out, Flavor flavor, bool cacheable, bool had_fields) {
  if (flavor == Flavor::stateless) {
    append(out, had_fields ? R"(,"resultType":"complete")" : R"("resultType":"complete")");
    if (cacheable) {
      append(out, R"(,"ttlMs":3600000,"cacheScope":"public")");
    }
    append(out, R"(,"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"mcp-demo-server",)"
                R"("version":")");
    append(out, server_version());
    append(out, R"("}})");
  }
  append(out, "}}");
}

void read_resource(const Message& msg, Exchange& ex, Out& out) {
  if (!msg.uri) {
    append_error(out, msg.id, kInvalidParams, "resources/read needs params.uri");
    return;
  }
  if (*msg.uri != kWidgetUri) {
    Out data;
    append(data, R"({"uri":)");
    append_json_string(data, *msg.uri);
    append(data, "}");
    // 2026-07-28 moved "resource not found" from -32002 to -32602.
    append_error(out, msg.id,
                 ex.flavor == Flavor::stateless ? kInvalidParams : kResourceNotFoundLegacy,
                 "Resource not found", view(data));
    return;
  }
  begin_result(out, msg.id);
  append(out, R"("contents":[{"uri":"ui://widget/demo.html","mimeType":"text/html+skybridge",)"
              R"("text":)");
  append_json_string(out, widget_html());
  append(out, "}]");
  end_result(out, ex.flavor, true, true);
}

}  // namespace

std::string_view supported_versions_json(bool stateless_only) {
  return stateless_only ? R"(["2026-07-28"])"
                        : R"(["2026-07-28","2025-11-25","2025-06-18","2025-03-26"])";
}

bool is_async(const Message& msg, const Options& opts) {
  return msg.method == "tools/call" && msg.name &&
         (opts.tool_delay_ms > 0 || tool_is_async(find_tool(*msg.name)));
}

bool wants_stream(const Message& msg, Flavor flavor) {
  if (msg.method != "tools/call" || !msg.name) {
    return false;
  }
  const ToolId tool = find_tool(*msg.name);
  if (tool == ToolId::progress) {
    return msg.progress_token.present;
  }
  return tool == ToolId::notify && flavor == Flavor::stateless && msg.meta_log_level;
}

unsigned answer(const Message& msg, Exchange& ex, Out& out) {
  const bool stateless = ex.flavor == Flavor::stateless;
  const std::string_view method = msg.method;
  if (method == "tools/call") {
    const ToolId tool = msg.name ? find_tool(*msg.name) : ToolId::unknown;
    if (tool == ToolId::unknown) {
      Out text;
      fmt::format_to(std::back_inserter(text), "Unknown tool: {}", msg.name.value_or("(none)"));
      append_error(out, msg.id, kInvalidParams, view(text));
      return 200;
    }
    begin_result(out, msg.id);
    call_tool(tool, msg, ex, out);
    end_result(out, ex.flavor, false, true);
    return 200;
  }
  if (method == "tools/list") {
    begin_result(out, msg.id);
    append(out, R"("tools":)");
    append(out, tools_json());
    end_result(out, ex.flavor, true, true);
    return 200;
  }
  if (method == "resources/list") {
    begin_result(out, msg.id);
    append(out, R"("resources":)");
    append(out, resources_json());
    end_result(out, ex.flavor, true, true);
    return 200;
  }
  if (method == "resources/templates/list") {
    begin_result(out, msg.id);
    append(out, R"("resourceTemplates":[])");
    end_result(out, ex.flavor, true, true);
    return 200;
  }
  if (method == "resources/read") {
    read_resource(msg, ex, out);
    return 200;
  }
  if (stateless && method == "server/discover") {
    append_discover_result(out, msg.id, ex.server.options().stateless_only);
    return 200;
  }
  // ping and logging/setLevel were removed by 2026-07-28.
  if (!stateless && method == "ping") {
    begin_result(out, msg.id);
    end_result(out, ex.flavor, false, false);
    return 200;
  }
  if (!stateless && method == "logging/setLevel" && ex.session != nullptr) {
    const int rank = msg.level ? log_level_rank(*msg.level) : -1;
    if (rank < 0) {
      append_error(out, msg.id, kInvalidParams, "logging/setLevel needs a valid params.level");
      return 200;
    }
    ex.session->set_log_level(rank);
    begin_result(out, msg.id);
    end_result(out, ex.flavor, false, false);
    return 200;
  }
  Out text;
  fmt::format_to(std::back_inserter(text), "Method not found: {}", method);
  append_error(out, msg.id, kMethodNotFound, view(text));
  // 2026-07-28: an unimplemented method is HTTP 404 with -32601 (the body tells it apart
  // from the 404 of a server without an MCP endpoint).
  return stateless ? 404 : 200;
}

Task<bool> answer_async(const Message& msg, Exchange& ex, Out& out) {
  if (!is_async(msg, ex.server.options())) {
    answer(msg, ex, out);
    co_return true;
  }
  const std::size_t mark = out.size();
  begin_result(out, msg.id);
  if (!co_await call_tool_async(find_tool(*msg.name), msg, ex, out)) {
    out.resize(mark);
    co_return false;
  }
  end_result(out, ex.flavor, false, true);
  co_return true;
}

void append_initialize_result(Out& out, const JsonToken& id, std::string_view version) {
  begin_result(out, id);
  append(out, R"("protocolVersion":")");
  append(out, version);
  append(out, R"(","capabilities":{"tools":{"listChanged":false},)"
              R"("resources":{"subscribe":false,"listChanged":false},"logging":{}},)"
              R"("serverInfo":{"name":"mcp-demo-server","version":")");
  append(out, server_version());
  append(out, R"("}}})");
}

void append_discover_result(Out& out, const JsonToken& id, bool stateless_only) {
  begin_result(out, id);
  append(out, R"("supportedVersions":)");
  append(out, supported_versions_json(stateless_only));
  append(out, R"(,"capabilities":{"tools":{},"resources":{}})");
  end_result(out, Flavor::stateless, true, true);
}

}  // namespace mcplb::demo
