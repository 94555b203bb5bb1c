#pragma once
// The three `mcplb` commands. Each returns the process exit code.

#include <functional>
#include <string>

#include "config/model.h"

namespace mcplb::proxy {
class Topology;
}

namespace mcplb::app {

/// Validates a config file; prints each error as file:line:col: message. 0 ok, 2 errors.
int cmd_check(const std::string& path);

/// Production mode: load, start, serve until SIGTERM/SIGINT, drain, exit.
int cmd_run(const std::string& path, int workers_override, const std::string& log_level);

struct DemoOptions {
  std::string listen = "127.0.0.1:8080";
  int backends = 3;
  int workers = 0;
  std::string demo_server;  // path; empty = look next to the mcplb binary
};
int cmd_demo(const DemoOptions& opts);

/// Runs the data plane for `cfg` until a stop signal; `on_tick` (may be empty) is called
/// about once a second from the main thread, and once more with final=true after the drain.
/// Shared by run and demo.
using TickFn = std::function<void(const proxy::Topology&, bool final)>;
int serve(const config::Config& cfg, const TickFn& on_tick);

}  // namespace mcplb::app
