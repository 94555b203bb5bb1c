#pragma once
// The demo server process: shared state (options, sessions) and one worker per thread.
// Each worker owns an io_context and its own SO_REUSEPORT listening socket.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "asio_types.h"
#include "options.h"
#include "session_store.h"

namespace mcplb::demo {

class Connection;
class Server;

class Worker {
 public:
  explicit Worker(Server& server);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& context() { return ioc_; }
  Executor executor() { return ioc_.get_executor(); }
  Server& server() { return server_; }

  /// Binds and listens (main thread, before run). Throws on failure.
  void open(const asio::ip::tcp::endpoint& endpoint, bool reuse_port);
  asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  /// Starts accepting; the io_context is then run by the caller's thread.
  void start();
  /// Thread-safe: stop accepting, close idle connections, force-stop after a grace period.
  void stop();

  // Connection registry (worker thread only).
  void add(Connection* c) { connections_.insert(c); }
  void remove(Connection* c) { connections_.erase(c); }

 private:
  Task<void> accept_loop();
  void stop_on_thread();
  Task<void> drain();

  Server& server_;
  // Declared before ioc_: destroying ioc_ destroys the coroutines of unfinished connections,
  // which unregister themselves.
  std::unordered_set<Connection*> connections_;
  asio::io_context ioc_{1};
  Acceptor acceptor_;
  Timer guard_;
};

class Server {
 public:
  explicit Server(Options options);
  ~Server();

  const Options& options() const { return options_; }
  std::string_view name() const { return options_.name; }
  /// `X-Backend-Name: <name>\r\n`, sent on every response.
  std::string_view backend_header() const { return backend_header_; }
  SessionStore& sessions() { return sessions_; }
  std::uint64_t next_stateless_count() {
    return stateless_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  /// Binds every worker's listening socket. Throws std::exception on failure.
  void listen();
  /// The bound address, e.g. `127.0.0.1:40123`.
  std::string bound_address() const;
  /// Runs all workers (this thread runs worker 0) until shutdown; handles SIGTERM/SIGINT.
  void run();
  /// Thread-safe, idempotent: ends SSE streams politely and stops the workers.
  void shutdown();

 private:
  Task<void> sweep_loop();

  Options options_;
  std::string backend_header_;
  SessionStore sessions_;
  std::atomic<std::uint64_t> stateless_counter_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
  asio::ip::tcp::endpoint bound_;
};

/// Parses `host:port` / `[v6]:port`. Throws std::invalid_argument.
asio::ip::tcp::endpoint parse_listen(std::string_view text);

}  // namespace mcplb::demo
