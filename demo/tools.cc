#include "tools.h"

#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <chrono>

#include "catalog.h"
#include "server.h"
#include "session_store.h"

namespace mcplb::demo {
namespace {

void append_text_content(Out& out, std::string_view text, bool is_error) {
  append(out, R"("content":[{"type":"text","text":)");
  append_json_string(out, text);
  append(out, is_error ? R"(}],"isError":true)" : R"(}],"isError":false)");
}

void echo(const Message& msg, Out& out) {
  const auto& text = msg.args.text ? msg.args.text : msg.args.message;
  if (!text) {
    append_text_content(out, "echo needs a string argument: text (or message)", true);
    return;
  }
  append_text_content(out, *text, false);
}

void counter(Exchange& ex, Out& out) {
  const std::uint64_t n =
      ex.session != nullptr ? ex.session->next_count() : ex.server.next_stateless_count();
  fmt::memory_buffer text;
  fmt::format_to(std::back_inserter(text), "{}:{}", ex.server.name(), n);
  append_text_content(out, view(text), false);
}

void notify(const Message& msg, Exchange& ex, Out& out) {
  if (!msg.args.text) {
    append_text_content(out, "notify needs a string argument: text", true);
    return;
  }
  Out note;
  append(note, R"({"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info",)"
               R"("logger":"notify","data":)");
  append_json_string(note, *msg.args.text);
  append(note, "}}");
  const int info = log_level_rank("info");
  std::string_view result;
  switch (ex.flavor) {
    case Flavor::session:
      if (!ex.session->log_enabled(info)) {
        result = "notify: filtered out by logging/setLevel";
      } else {
        ex.session->emit(Session::kGetStream, view(note));
        result = ex.session->has_consumer(Session::kGetStream)
                     ? "notify: sent on the GET stream"
                     : "notify: queued for the GET stream (none open; replayed on resume)";
      }
      break;
    case Flavor::old_sse:
      ex.session->emit(Session::kGetStream, view(note));
      result = "notify: sent on the SSE stream";
      break;
    case Flavor::stateless:
      if (ex.stream != nullptr && msg.meta_log_level && log_level_rank(*msg.meta_log_level) >= 0 &&
          info >= log_level_rank(*msg.meta_log_level)) {
        ex.stream->send(view(note));
        result = "notify: sent on the response stream";
      } else {
        result =
            "notify: not sent (a stateless request gets log messages only on its SSE "
            "response, when its _meta io.modelcontextprotocol/logLevel allows them)";
      }
      break;
  }
  append_text_content(out, result, false);
}

Task<bool> slow(const Message& msg, Out& out) {
  if (!msg.args.ms) {
    append_text_content(out, "slow needs an integer argument: ms", true);
    co_return true;
  }
  const std::int64_t ms = std::clamp<std::int64_t>(*msg.args.ms, 0, 600000);
  Timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(ms));
  auto [ec] = co_await timer.async_wait(nothrow);
  if (ec) {
    co_return false;
  }
  fmt::memory_buffer text;
  fmt::format_to(std::back_inserter(text), "slept {}", ms);
  append_text_content(out, view(text), false);
  co_return true;
}

Task<bool> progress(const Message& msg, Exchange& ex, Out& out) {
  const std::int64_t steps = std::clamp<std::int64_t>(msg.args.steps.value_or(5), 1, 1000);
  const std::int64_t interval =
      std::clamp<std::int64_t>(msg.args.interval_ms.value_or(100), 0, 60000);
  const bool notify = ex.stream != nullptr && msg.progress_token.present;
  Timer timer(co_await asio::this_coro::executor);
  Out note;
  for (std::int64_t i = 1; i <= steps; ++i) {
    if (interval > 0) {
      timer.expires_after(std::chrono::milliseconds(interval));
      auto [ec] = co_await timer.async_wait(nothrow);
      if (ec) {
        co_return false;
      }
    }
    if (notify) {
      note.clear();
      append(note,
             R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":)");
      append_token(note, msg.progress_token);
      fmt::format_to(std::back_inserter(note),
                     R"(,"progress":{},"total":{},"message":"step {}/{}"}}}})", i, steps, i, steps);
      ex.stream->send(view(note));
    }
  }
  if (notify && interval > 0) {
    // TypeScript SDK clients drop a progress notification that arrives in the same read as
    // the result; a short gap keeps the last one visible, also through a proxy.
    timer.expires_after(std::chrono::milliseconds(std::min<std::int64_t>(interval, 20)));
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) {
      co_return false;
    }
  }
  fmt::memory_buffer text;
  fmt::format_to(std::back_inserter(text), "progress: {} steps done", steps);
  append_text_content(out, view(text), false);
  co_return true;
}

}  // namespace

ToolId find_tool(std::string_view name) {
  if (name == "echo") {
    return ToolId::echo;
  }
  if (name == "slow") {
    return ToolId::slow;
  }
  if (name == "counter") {
    return ToolId::counter;
  }
  if (name == "progress") {
    return ToolId::progress;
  }
  if (name == "whoami") {
    return ToolId::whoami;
  }
  if (name == "notify") {
    return ToolId::notify;
  }
  return ToolId::unknown;
}

bool tool_is_async(ToolId id) { return id == ToolId::slow || id == ToolId::progress; }

void call_tool(ToolId id, const Message& msg, Exchange& ex, Out& out) {
  switch (id) {
    case ToolId::echo: echo(msg, out); break;
    case ToolId::counter: counter(ex, out); break;
    case ToolId::whoami: append_text_content(out, ex.server.name(), false); break;
    case ToolId::notify: notify(msg, ex, out); break;
    case ToolId::slow:
    case ToolId::progress:
    case ToolId::unknown:
      append_text_content(out, "internal error: tool needs the async path", true);
      break;
  }
}

Task<bool> call_tool_async(ToolId id, const Message& msg, Exchange& ex, Out& out) {
  // A cancelled wait must come back as an error code, not as an exception.
  co_await asio::this_coro::throw_if_cancelled(false);
  if (auto delay = ex.server.options().tool_delay_ms; delay > 0) {
    Timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(delay));
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) {
      co_return false;
    }
  }
  if (id == ToolId::slow) {
    co_return co_await slow(msg, out);
  }
  if (id == ToolId::progress) {
    co_return co_await progress(msg, ex, out);
  }
  call_tool(id, msg, ex, out);
  co_return true;
}

}  // namespace mcplb::demo
