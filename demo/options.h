#pragma once

#include <cstdint>
#include <string>

namespace mcplb::demo {

/// Command-line settings (see README.md); read-only once the server runs.
struct Options {
  std::string listen = "127.0.0.1:3001";
  std::string name = "demo";
  unsigned threads = 1;
  bool stateless_only = false;
  bool parent_death = true;
  bool any_origin = false;
  std::uint32_t sse_keepalive_ms = 15000;
  std::uint32_t session_idle_s = 3600;
  std::uint64_t max_body = 4 * 1024 * 1024;
  // Added to every tools/call: makes one replica a slower machine in balancing tests.
  std::uint32_t tool_delay_ms = 0;
};

}  // namespace mcplb::demo
