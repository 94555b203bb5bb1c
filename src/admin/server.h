#pragma once
// The admin listener: HTTP/1.1 (Beast) on its own thread and io_context, serving api.h's
// routes. Keep-alive, bounded head and body, a read and a write deadline per request, and at
// most Options::max_connections connections (more are closed at once). It never blocks the
// workers: it only reads their atomics and writes admin-owned Backend fields. It tells the Api
// whether the peer is loopback (the access rules depend on it) and passes Host and Origin.
//
// Control-thread API: construct, start(), stop() (or destroy). The proxy::Server must outlive
// this object.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "admin/api.h"
#include "admin/options.h"
#include "net/asio.h"

namespace mcplb::proxy {
class Server;
}

namespace mcplb::admin {

class AdminServer {
 public:
  /// @param bind where to listen (port 0: an ephemeral port, see bound_endpoint()).
  AdminServer(const proxy::Server& server, net::tcp::endpoint bind, Options options);
  /// Stops if still running.
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// Binds (no SO_REUSEPORT: a second mcplb must not share the port silently) and starts the
  /// thread. @return false with `err` set when the address cannot be bound. Call once.
  bool start(std::string& err);
  /// Closes the listener and every connection (in-flight responses are cut), then joins.
  /// Idempotent.
  void stop();

  /// The bound address (valid after a successful start()).
  net::tcp::endpoint bound_endpoint() const { return bound_; }

 private:
  struct Conn;
  net::Task<void> accept_loop();
  net::Task<void> serve(net::Socket sock);
  void close_all();

  Api api_;
  Options opts_;
  net::tcp::endpoint bind_;
  net::tcp::endpoint bound_;
  // Admin thread only (after start): live connections, so stop() can close them, and their
  // count including those accepted but not yet started (the limit counts those too).
  std::vector<Conn*> conns_;
  size_t live_ = 0;
  bool stopping_ = false;
  bool started_ = false;
  // Signalled when the admin thread's run() returns.
  std::mutex mu_;
  std::condition_variable cv_;
  bool run_done_ = false;
  // Declared after everything a coroutine frame touches: if a forced stop leaves frames
  // behind, ~io_context destroys them while those members are still alive.
  net::asio::io_context io_{1};
  net::Acceptor acceptor_{io_.get_executor()};
  net::Timer retry_timer_{io_.get_executor()};
  std::thread thread_;
};

}  // namespace mcplb::admin
