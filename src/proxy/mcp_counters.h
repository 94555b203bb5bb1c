#pragma once
// Per-worker MCP request counters by JSON-RPC method and by tool name (hooks for the metrics
// issue). Single writer (the worker thread) with relaxed atomics; any thread may read.
// Bounded: unknown methods count as "other", and beyond kMaxTools distinct names tools count
// as "other" too, so a client inventing names cannot grow memory.

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "mcplb/pool/backend.h"

namespace mcplb::proxy {

class McpCounters {
 public:
  static constexpr std::array<std::string_view, 16> kMethods{
      "initialize",       "notifications/initialized", "ping",           "tools/list",
      "tools/call",       "resources/list",            "resources/read", "resources/templates/list",
      "prompts/list",     "prompts/get",               "completion/complete",
      "logging/setLevel", "server/discover",           "notifications/cancelled",
      "tasks/get",        "other"};
  static constexpr size_t kMaxTools = 256;
  static constexpr size_t kMaxToolName = 64;

  /// Counts the request; returns the method's index in kMethods.
  size_t count(std::string_view method, std::string_view tool) {
    size_t m = kMethods.size() - 1;
    for (size_t i = 0; i + 1 < kMethods.size(); ++i) {
      if (kMethods[i] == method) {
        m = i;
        break;
      }
    }
    pool::bump(by_method_[m], uint64_t{1});
    if (method == "tools/call" && !tool.empty()) {
      pool::bump(tool_slot(tool).count, uint64_t{1});
    }
    return m;
  }

  uint64_t method_count(size_t i) const { return by_method_[i].load(std::memory_order_relaxed); }
  /// Calls f(name, count) for each tool seen (and "other" when the table overflowed).
  template <class F>
  void for_each_tool(F&& f) const {
    size_t n = tools_used_.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i) {
      f(std::string_view(tools_[i].name, tools_[i].len),
        tools_[i].count.load(std::memory_order_relaxed));
    }
    if (uint64_t o = other_tool_.count.load(std::memory_order_relaxed)) {
      f(std::string_view("other"), o);
    }
  }

 private:
  struct Tool {
    char name[kMaxToolName];
    uint8_t len = 0;
    std::atomic<uint64_t> count{0};
  };

  Tool& tool_slot(std::string_view name) {
    if (name.size() > kMaxToolName) {
      return other_tool_;
    }
    size_t n = tools_used_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < n; ++i) {
      if (std::string_view(tools_[i].name, tools_[i].len) == name) {
        return tools_[i];
      }
    }
    if (n == kMaxTools) {
      return other_tool_;
    }
    std::memcpy(tools_[n].name, name.data(), name.size());
    tools_[n].len = static_cast<uint8_t>(name.size());
    tools_used_.store(n + 1, std::memory_order_release);  // publish the name before its count
    return tools_[n];
  }

  std::array<std::atomic<uint64_t>, kMethods.size()> by_method_{};
  std::array<Tool, kMaxTools> tools_;
  std::atomic<size_t> tools_used_{0};
  Tool other_tool_;
};

}  // namespace mcplb::proxy
