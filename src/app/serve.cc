// Runs the data plane in worker threads while the main thread waits for signals.

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <thread>

#include "app/commands.h"
#include "core/log.h"
#include "proxy/server.h"

namespace mcplb::app {

int serve(const config::Config& cfg, const TickFn& on_tick) {
  // Signals are taken synchronously by this thread only; workers inherit the blocked mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  size_t workers = cfg.workers;
  if (workers == 0) {
    workers = std::max(1u, std::thread::hardware_concurrency());
  }
  std::string err;
  auto topo = proxy::Topology::build(cfg, workers, err);
  if (!topo) {
    spdlog::error("{}", err);
    return 2;
  }
  proxy::Server server(topo);
  if (!server.start(err)) {
    spdlog::error("cannot listen: {}", err);
    return 1;
  }
  for (const auto& a : server.bound_addresses()) {
    std::printf("mcplb listening on %s\n", a.c_str());
  }
  std::fflush(stdout);
  spdlog::info("{} worker(s), {} pool(s)", workers, topo->pools().size());
  if (topo->ephemeral_key() && cfg.source != "<demo>") {
    spdlog::warn("no session.keys configured: using a generated key; MCP sessions will not "
                 "survive a restart and other mcplb replicas cannot route them");
  }

  if (on_tick) {
    on_tick(*topo, false);
  }
  for (;;) {
    timespec one_second{1, 0};
    int sig = sigtimedwait(&set, nullptr, &one_second);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("{}: draining (up to {} ms)", sig == SIGINT ? "SIGINT" : "SIGTERM",
                   cfg.shutdown_timeout.count());
      break;
    }
    if (sig == SIGHUP) {
      spdlog::warn("SIGHUP: config reload is not implemented yet; ignoring");
    }
    if (on_tick) {
      on_tick(*topo, false);
    }
  }
  server.shutdown(cfg.shutdown_timeout);
  if (on_tick) {
    on_tick(*topo, true);
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace mcplb::app
