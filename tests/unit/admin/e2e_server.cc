// admin_e2e_server CONFIG.yaml [--admin HOST:PORT] [--token T] [--metrics-token T]
//
// Runs a proxy::Server from CONFIG (as `mcplb run` does) plus an AdminServer, and prints the
// same ready lines mcplb prints:
//   mcplb listening on 127.0.0.1:PORT          (one per listener)
//   mcplb admin listening on 127.0.0.1:PORT
// then serves until SIGINT/SIGTERM. Lets tests/e2e/test_metrics.py run against a real
// Prometheus before `mcplb run` starts the admin listener itself.

#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "admin/server.h"
#include "config/load.h"
#include "core/log.h"
#include "net/listener.h"
#include "proxy/server.h"

using namespace mcplb;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CONFIG.yaml [--admin HOST:PORT] [--token T] "
                 "[--metrics-token T]\n", argv[0]);
    return 2;
  }
  std::string admin_addr = "127.0.0.1:0";
  admin::Options opts;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--admin") == 0) {
      admin_addr = argv[i + 1];
    } else if (std::strcmp(argv[i], "--token") == 0) {
      opts.token = argv[i + 1];
    } else if (std::strcmp(argv[i], "--metrics-token") == 0) {
      opts.metrics_token = argv[i + 1];
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  core::init_logging();
  auto loaded = config::load_file(argv[1]);
  if (!loaded.ok()) {
    for (const auto& d : loaded.errors) {
      std::fprintf(stderr, "%s\n", d.str().c_str());
    }
    return 2;
  }
  const config::Config& cfg = *loaded.config;
  core::set_log_level(cfg.log.level);
  auto addr = config::parse_address(admin_addr);
  net::tcp::endpoint admin_ep;
  if (!addr || !net::parse_endpoint(addr->host, addr->port, admin_ep)) {
    std::fprintf(stderr, "bad --admin address %s\n", admin_addr.c_str());
    return 2;
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts: all inherit it
  ::signal(SIGPIPE, SIG_IGN);

  size_t workers = cfg.workers;
  if (workers == 0) {
    workers = std::max(1u, std::thread::hardware_concurrency());
  }
  std::string err;
  auto topo = proxy::Topology::build(cfg, workers, err);
  if (!topo) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  proxy::Server server(topo);
  if (!server.start(err)) {
    std::fprintf(stderr, "cannot listen: %s\n", err.c_str());
    return 1;
  }
  admin::AdminServer admin_server(server, admin_ep, opts);
  if (!admin_server.start(err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    server.shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  for (const auto& a : server.bound_addresses()) {
    std::printf("mcplb listening on %s\n", a.c_str());
  }
  std::printf("mcplb admin listening on %s\n",
              net::to_string(admin_server.bound_endpoint()).c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: stopping", sig);
  admin_server.stop();
  server.shutdown(cfg.shutdown_timeout);
  return 0;
}
