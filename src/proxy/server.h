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
  /// Each worker's MCP counters (readable from any thread; sum them for totals).
  std::vector<const McpCounters*> mcp_counters() const {
    std::vector<const McpCounters*> out;
    for (const auto& w : workers_) {
      out.push_back(&w->mcp_counters);
    }
    return out;
  }

 private:
  TopologyPtr topo_;
  std::vector<std::shared_ptr<ListenerShared>> listeners_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<health::Checker> checker_;
};

}  // namespace mcplb::proxy
