#pragma once
// One worker: an io_context run by one thread, its own listeners, upstream pools, policies,
// buffers and connections. Everything here is touched only by that thread, except `stop`
// requests, which are posted to it.

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "core/buffer_pool.h"
#include "mcp/inspect.h"
#include "mcp/session_token.h"
#include "net/asio.h"
#include "net/http1_parser.h"
#include "proxy/access_log.h"
#include "proxy/mcp_counters.h"
#include "proxy/request_stats.h"
#include "proxy/topology.h"
#include "proxy/upstream_pool.h"

namespace mcplb::proxy {

class Connection;

/// Per-listener limit shared by all workers (accept path only, not per request).
struct ListenerShared {
  net::tcp::endpoint endpoint;
  uint32_t max_connections = 0;
  std::atomic<uint32_t> open{0};
};

struct WorkerPool {
  const PoolRt* rt = nullptr;
  std::unique_ptr<balance::Policy> policy;
  std::vector<std::unique_ptr<UpstreamPool>> upstream;  // parallel to rt->backends
};

class Worker {
 public:
  Worker(size_t index, TopologyPtr topo);
  ~Worker();

  /// Opens this worker's SO_REUSEPORT sockets (control thread, before start()).
  bool listen(std::vector<std::shared_ptr<ListenerShared>>& listeners, std::string& err);
  void start();
  /// Graceful: stop accepting, let requests finish, close idle connections and streams.
  void begin_drain();
  /// Forced: cancel everything that is left.
  void force_stop();
  void join();

  // --- worker-thread state used by connections ---
  net::asio::io_context io{1};
  size_t index;
  TopologyPtr topo;
  core::BufferPool buffers;
  std::vector<WorkerPool> pools;
  // Scratch shared by this worker's connections; valid only until the user next yields.
  net::FieldRef scratch_fields[net::kMaxFields];
  mcp::Inspection inspection;
  mcp::OpenedToken opened;
  std::string seal_buf;
  std::string key_scratch;  // hash policy keys (JWT payloads)
  std::string cookie_line;  // the sticky Set-Cookie line being written
  Clock::time_point now;  // refreshed by the tick; deadlines need no syscall
  McpCounters mcp_counters;
  // Per-request metrics and access log (Connection::end_request, connection_record.cc).
  bool record_requests = topo->config().metrics.requests;  // config `metrics.requests`
  RequestStats request_stats{*topo};
  const AccessLog* access_log = nullptr;  // set by Server before start(); null = off
  AccessLogWriter access_writer;
  bool draining = false;

  void link(Connection* c);
  void unlink(Connection* c);

 private:
  net::Task<void> accept_loop(net::Acceptor& acceptor, std::shared_ptr<ListenerShared> shared);
  net::Task<void> tick_loop();
  void sweep();

  std::string overload_reply_;  // the 503 sent when a listener is at max_connections
  std::vector<std::unique_ptr<net::Acceptor>> acceptors_;
  std::vector<std::shared_ptr<ListenerShared>> listeners_;
  Connection* head_ = nullptr;  // intrusive list of live connections, for the sweep
  net::Timer tick_;
  uint64_t ticks_ = 0;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace mcplb::proxy
