#include "proxy/server.h"

#include <chrono>
#include <thread>

#include "core/log.h"
#include "net/listener.h"

namespace mcplb::proxy {

namespace {

std::shared_ptr<const health::ProbeSpec> probe_spec(const config::ActiveHealth& a) {
  auto s = std::make_shared<health::ProbeSpec>();
  s->type = a.type == "mcp" ? health::ProbeSpec::Type::mcp : health::ProbeSpec::Type::http;
  s->path = a.path.empty() ? (a.type == "mcp" ? "/mcp" : "/") : a.path;
  s->host = a.host;
  s->expect_min = a.expect_min;
  s->expect_max = a.expect_max;
  s->interval = a.interval;
  s->timeout = a.timeout;
  s->healthy_threshold = a.healthy_threshold;
  s->unhealthy_threshold = a.unhealthy_threshold;
  s->jitter = a.jitter;
  s->fast_recheck = a.fast_recheck;
  s->protocol_version = a.protocol_version;
  return s;
}

}  // namespace

Server::Server(TopologyPtr topo) : topo_(std::move(topo)) {}

Server::~Server() {
  if (!workers_.empty()) {
    shutdown(std::chrono::milliseconds(0));
  }
}

bool Server::start(std::string& err) {
  for (const auto& l : topo_->config().listen) {
    auto shared = std::make_shared<ListenerShared>();
    if (!net::parse_endpoint(l.address.host, l.address.port, shared->endpoint)) {
      err = "bad listen address " + l.address.host;
      return false;
    }
    shared->max_connections = l.max_connections;
    listeners_.push_back(std::move(shared));
  }
  if (const auto& al = topo_->config().access_log; al.enabled) {
    access_log_ = AccessLog::open(al.path, err);
    if (!access_log_) {
      return false;
    }
  }
  for (size_t i = 0; i < topo_->workers(); ++i) {
    auto w = std::make_unique<Worker>(i, topo_);
    if (!w->listen(listeners_, err)) {
      return false;
    }
    w->access_log = access_log_.get();
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    w->start();
  }
  // One checker for the process: probes run once, not once per worker.
  std::vector<health::Target> targets;
  for (const auto& p : topo_->pools()) {
    if (!p.cfg.health.active.enabled) {
      continue;
    }
    auto spec = probe_spec(p.cfg.health.active);
    if (auto bad = health::validate(*spec); !bad.empty()) {
      err = "pool '" + p.cfg.name + "': health.active: " + bad;
      return false;
    }
    for (size_t i = 0; i < p.backends.size(); ++i) {
      targets.push_back(health::Target{p.backends[i], p.endpoints[i], spec, p.cfg.name});
    }
  }
  if (!targets.empty()) {
    checker_ = std::make_unique<health::Checker>(std::move(targets));
    checker_->start();
  }
  return true;
}

bool Server::reopen_access_log(std::string& err) {
  return access_log_ == nullptr || access_log_->reopen(err);
}

std::vector<std::string> Server::bound_addresses() const {
  std::vector<std::string> out;
  for (const auto& l : listeners_) {
    out.push_back(net::to_string(l->endpoint));
  }
  return out;
}

void Server::shutdown(std::chrono::milliseconds timeout) {
  if (checker_) {
    checker_->stop();
  }
  for (auto& w : workers_) {
    w->begin_drain();
  }
  // Wait for workers to run dry on their own, up to the timeout; then cancel what is left.
  std::atomic<size_t> done{0};
  std::vector<std::thread> joiners;
  for (auto& w : workers_) {
    joiners.emplace_back([&done, wp = w.get()] {
      wp->join();
      done.fetch_add(1);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (done.load() < workers_.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (done.load() < workers_.size()) {
    spdlog::warn("shutdown timeout reached: closing remaining connections");
    for (auto& w : workers_) {
      w->force_stop();
    }
  }
  for (auto& j : joiners) {
    j.join();
  }
  workers_.clear();
}

}  // namespace mcplb::proxy
