#pragma once
// Test fixtures for the health checker: an observer that records what the checker saw, a
// scriptable HTTP/1.1 server on 127.0.0.1, and the real demo server as a child process.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "health/checker.h"
#include "net/asio.h"

namespace mcplb::health::test {

using namespace std::chrono_literals;

/// Collects ProbeEvents and Transitions from the checker thread; tests wait on it.
class Recorder {
 public:
  struct Probe {
    std::string backend;
    bool ok;
    std::string detail;
    Clock::time_point at;
    Clock::duration took;
    Health health;
  };
  struct Flip {
    std::string backend;
    Health from;
    Health to;
    std::string reason;
    bool written;
    Clock::time_point at;
  };

  Observer observer();

  /// Waits until pred(probes, flips) holds (evaluated under the lock).
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(probes_, flips_); });
  }
  bool wait_probes(const std::string& backend, size_t n, std::chrono::milliseconds t = 5000ms);
  bool wait_flips(const std::string& backend, size_t n, std::chrono::milliseconds t = 5000ms);
  std::vector<Probe> probes(const std::string& backend) const;
  std::vector<Flip> flips(const std::string& backend) const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Probe> probes_;
  std::vector<Flip> flips_;
};

/// A small HTTP/1.1 server on 127.0.0.1:0 with its own thread; its behaviour can change while
/// it runs.
class ScriptedServer {
 public:
  enum class Mode : int {
    status,   // `status()` with a 2-byte text body, keep-alive
    silent,   // reads the request, never answers, holds the connection
    html,     // 200 text/html to everything (an HTTP server that is not MCP)
    sse_mcp,  // a session MCP server answering initialize and ping as SSE (chunked)
  };

  ScriptedServer();
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  void set_status(unsigned status) {
    status_.store(status);
    mode_.store(Mode::status);
  }
  void set_mode(Mode m) { mode_.store(m); }
  net::tcp::endpoint endpoint() const { return endpoint_; }
  std::string address() const;

  int requests() const { return requests_.load(); }
  int deletes() const { return deletes_.load(); }
  /// Waits until at least n requests were read.
  bool wait_requests(int n, std::chrono::milliseconds timeout = 5000ms);

 private:
  net::Task<void> accept_loop();
  net::Task<void> serve(net::Socket sock);
  std::string answer(const std::string& head, const std::string& body, bool& close);

  net::asio::io_context io_{1};
  net::Acceptor acceptor_;
  net::tcp::endpoint endpoint_;
  std::atomic<Mode> mode_{Mode::status};
  std::atomic<unsigned> status_{200};
  std::atomic<int> requests_{0};
  std::atomic<int> deletes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

/// The real mcp-demo-server binary as a child process on 127.0.0.1:0.
class DemoServer {
 public:
  /// Skips the calling test (GTEST_SKIP in the caller) when the binary was not built.
  static bool available();
  explicit DemoServer(const std::vector<std::string>& extra_args = {});
  ~DemoServer();
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  bool ok() const { return port_ != 0; }
  net::tcp::endpoint endpoint() const;
  std::string address() const;
  /// SIGTERM and wait for the exit.
  void terminate();

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  unsigned short port_ = 0;
};

pool::BackendPtr make_backend(const std::string& name, const std::string& address);

/// Short timings so a test runs in well under a second: interval 30 ms, fast re-check 10 ms,
/// timeout 500 ms, no jitter, thresholds 2 up / 3 down.
std::shared_ptr<ProbeSpec> quick_spec(ProbeSpec::Type type = ProbeSpec::Type::http);

/// A port on 127.0.0.1 where nothing listens.
unsigned short closed_port();

}  // namespace mcplb::health::test
