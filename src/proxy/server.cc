#include "proxy/server.h"

#include <chrono>
#include <thread>

#include "core/log.h"
#include "net/listener.h"

namespace mcplb::proxy {

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
  for (size_t i = 0; i < topo_->workers(); ++i) {
    auto w = std::make_unique<Worker>(i, topo_);
    if (!w->listen(listeners_, err)) {
      return false;
    }
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    w->start();
  }
  return true;
}

std::vector<std::string> Server::bound_addresses() const {
  std::vector<std::string> out;
  for (const auto& l : listeners_) {
    out.push_back(net::to_string(l->endpoint));
  }
  return out;
}

void Server::shutdown(std::chrono::milliseconds timeout) {
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
