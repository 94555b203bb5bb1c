#pragma once
// The data plane as a whole: N workers over one Topology, graceful drain and forced stop.
// Called from the control (main) thread only.

#include <memory>
#include <string>
#include <vector>

#include "health/checker.h"
#include "proxy/topology.h"
#include "proxy/worker.h"

namespace mcplb::proxy {

class Server {
 public:
  explicit Server(TopologyPtr topo);
  ~Server();

  /// Binds every listener in every worker and starts the worker threads.
  /// @return false with `err` set when a listener cannot be bound.
  bool start(std::string& err);

  /// Addresses actually bound (ports resolved when the config said 0).
  std::vector<std::string> bound_addresses() const;

  /// Stops accepting, lets in-flight requests finish, then forces what is left after
  /// `timeout`. Returns when every worker has exited.
  void shutdown(std::chrono::milliseconds timeout);

  const Topology& topology() const { return *topo_; }
  /// The active health checker; nullptr when no pool has health.active.
  const health::Checker* checker() const { return checker_.get(); }
  /// Each worker's MCP counters, and its request statistics unless `metrics.requests` is
  /// off (readable from any thread; sum them for totals). Valid until shutdown().
  WorkerCounters mcp_counters() const {
    WorkerCounters out;
    for (const auto& w : workers_) {
      out.mcp.push_back(&w->mcp_counters);
      if (w->record_requests) {
        out.requests.push_back(&w->request_stats);
      }
    }
    return out;
  }
  /// Opens the access log file again by name (SIGUSR1, after logrotate renamed it); the
  /// workers move to the new file atomically. No-op without a file access log.
  /// @return false with `err` set when it cannot be opened (the old file stays in use).
  bool reopen_access_log(std::string& err);
  /// The access log (null when off).
  const AccessLog* access_log() const { return access_log_.get(); }

 private:
  TopologyPtr topo_;
  std::unique_ptr<AccessLog> access_log_;  // before workers_: destroyed after them
  std::vector<std::shared_ptr<ListenerShared>> listeners_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<health::Checker> checker_;
};

}  // namespace mcplb::proxy
