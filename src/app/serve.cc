// Runs the data plane in worker threads while the main thread waits for signals.

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "admin/reload.h"
#include "admin/server.h"
#include "app/commands.h"
#include "core/log.h"
#include "net/listener.h"
#include "proxy/server.h"

namespace mcplb::app {
namespace {

/// A token file's contents without trailing whitespace; nullopt (and err) when unreadable.
std::optional<std::string> read_token(const std::string& path, std::string& err) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) {
    err = "cannot read token file '" + path + "'";
    return std::nullopt;
  }
  std::string t = text.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) {
    t.pop_back();
  }
  if (t.empty()) {
    err = "token file '" + path + "' is empty";
    return std::nullopt;
  }
  return t;
}

/// Starts the admin endpoint when configured; nullptr with `err` set on failure.
std::unique_ptr<admin::AdminServer> start_admin(const config::Admin& cfg,
                                                const proxy::Server& server,
                                                admin::Reloader* reloader, std::string& err) {
  net::tcp::endpoint ep;
  if (!net::parse_endpoint(cfg.listen.host, cfg.listen.port, ep)) {
    err = "admin: bad listen address " + cfg.listen.str();
    return nullptr;
  }
  admin::Options o;
  if (reloader != nullptr) {
    o.reload = [reloader] { return reloader->reload(); };
  }
  for (auto [file, dest] : {std::pair{&cfg.token_file, &o.token},
                            std::pair{&cfg.metrics_token_file, &o.metrics_token}}) {
    if (!file->empty()) {
      auto t = read_token(*file, err);
      if (!t) {
        return nullptr;
      }
      *dest = std::move(*t);
    }
  }
  auto adm = std::make_unique<admin::AdminServer>(server, ep, std::move(o));
  if (!adm->start(err)) {
    err = "admin: " + err;
    return nullptr;
  }
  return adm;
}

}  // namespace

int serve(const config::Config& cfg, const TickFn& on_tick) {
  // Signals are taken synchronously by this thread only; workers inherit the blocked mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);  // reopen the access log (logrotate)
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
  // Only a config that came from a file can be read again.
  std::unique_ptr<admin::Reloader> reloader;
  if (!cfg.source.empty() && cfg.source.front() != '<') {
    reloader = std::make_unique<admin::Reloader>(server, cfg.source);
  }
  std::unique_ptr<admin::AdminServer> adm;
  if (cfg.admin.enabled) {
    adm = start_admin(cfg.admin, server, reloader.get(), err);
    if (!adm) {
      spdlog::error("{}", err);
      server.shutdown(std::chrono::milliseconds(0));
      return 1;
    }
    std::printf("mcplb admin listening on %s\n", net::to_string(adm->bound_endpoint()).c_str());
  }
  std::fflush(stdout);
  spdlog::info("{} worker(s), {} pool(s)", workers, topo->pools().size());
  if (const auto* log = server.access_log()) {
    spdlog::info("access log: {}", log->path());
  }
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
      if (reloader) {
        admin::log_report(reloader->reload(), "SIGHUP");
      } else {
        spdlog::warn("SIGHUP: no config file to reload");
      }
    }
    if (sig == SIGUSR1) {
      if (const auto* log = server.access_log(); log == nullptr || !log->is_file()) {
        spdlog::info("SIGUSR1: no access log file to reopen");
      } else if (server.reopen_access_log(err)) {
        spdlog::info("SIGUSR1: access log {} reopened", log->path());
      } else {
        spdlog::error("SIGUSR1: {}", err);
      }
    }
    if (on_tick) {
      on_tick(*topo, false);
    }
  }
  if (adm) {
    adm->stop();  // it reads the workers' counters, which shutdown() destroys
  }
  server.shutdown(cfg.shutdown_timeout);
  if (on_tick) {
    on_tick(*topo, true);
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace mcplb::app
