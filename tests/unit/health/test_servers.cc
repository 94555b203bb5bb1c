#include "test_servers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <string_view>

extern char** environ;

namespace mcplb::health::test {
namespace asio = net::asio;

// ---------------------------------------------------------------------------------- Recorder

Observer Recorder::observer() {
  Observer o;
  o.on_probe = [this](const ProbeEvent& e) {
    std::lock_guard lock(mu_);
    probes_.push_back(Probe{e.target.backend->name, e.ok, std::string(e.detail), Clock::now(),
                            e.took, e.health});
    cv_.notify_all();
  };
  o.on_transition = [this](const Transition& t) {
    std::lock_guard lock(mu_);
    flips_.push_back(Flip{t.target.backend->name, t.from, t.to, std::string(t.reason),
                          t.state_written, Clock::now()});
    cv_.notify_all();
  };
  return o;
}

bool Recorder::wait_probes(const std::string& backend, size_t n, std::chrono::milliseconds t) {
  return wait(
      [&](const std::vector<Probe>& probes, const std::vector<Flip>&) {
        size_t c = 0;
        for (const auto& p : probes) {
          c += p.backend == backend;
        }
        return c >= n;
      },
      t);
}

bool Recorder::wait_flips(const std::string& backend, size_t n, std::chrono::milliseconds t) {
  return wait(
      [&](const std::vector<Probe>&, const std::vector<Flip>& flips) {
        size_t c = 0;
        for (const auto& f : flips) {
          c += f.backend == backend;
        }
        return c >= n;
      },
      t);
}

std::vector<Recorder::Probe> Recorder::probes(const std::string& backend) const {
  std::lock_guard lock(mu_);
  std::vector<Probe> out;
  for (const auto& p : probes_) {
    if (p.backend == backend) {
      out.push_back(p);
    }
  }
  return out;
}

std::vector<Recorder::Flip> Recorder::flips(const std::string& backend) const {
  std::lock_guard lock(mu_);
  std::vector<Flip> out;
  for (const auto& f : flips_) {
    if (f.backend == backend) {
      out.push_back(f);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------- ScriptedServer

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

size_t content_length(const std::string& head) {
  const std::string h = lower(head);
  const size_t at = h.find("\r\ncontent-length:");
  if (at == std::string::npos) {
    return 0;
  }
  return std::strtoul(h.c_str() + at + 17, nullptr, 10);
}

bool has(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

std::string chunked_sse(std::string_view events, std::string_view extra_headers) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", events.size());
  return std::string("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n") +
         std::string(extra_headers) + "\r\n" + size + "\r\n" + std::string(events) +
         "\r\n0\r\n\r\n";
}

}  // namespace

ScriptedServer::ScriptedServer() : acceptor_(io_.get_executor()) {
  net::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
  endpoint_ = acceptor_.local_endpoint();
  asio::co_spawn(io_.get_executor(), accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

ScriptedServer::~ScriptedServer() {
  io_.stop();
  thread_.join();
}

std::string ScriptedServer::address() const {
  return "127.0.0.1:" + std::to_string(endpoint_.port());
}

bool ScriptedServer::wait_requests(int n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.load() >= n; });
}

net::Task<void> ScriptedServer::accept_loop() {
  for (;;) {
    auto [ec, sock] = co_await acceptor_.async_accept(net::use_task);
    if (ec) {
      co_return;
    }
    asio::co_spawn(io_.get_executor(), serve(std::move(sock)), asio::detached);
  }
}

net::Task<void> ScriptedServer::serve(net::Socket sock) {
  std::string buf;
  for (;;) {
    auto [ec, n] = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf, 1 << 20),
                                                   "\r\n\r\n", net::use_task);
    if (ec) {
      co_return;
    }
    const std::string head = buf.substr(0, n);
    buf.erase(0, n);
    const size_t length = content_length(head);
    if (buf.size() < length) {
      auto [bec, m] = co_await asio::async_read(sock, asio::dynamic_buffer(buf, 1 << 20),
                                                asio::transfer_exactly(length - buf.size()),
                                                net::use_task);
      if (bec) {
        co_return;
      }
    }
    const std::string body = buf.substr(0, length);
    buf.erase(0, length);
    {
      std::lock_guard lock(mu_);
      requests_.fetch_add(1);
    }
    cv_.notify_all();
    if (mode_.load() == Mode::silent) {
      char c;
      for (;;) {  // hold the connection until the client goes away
        auto [rec, r] = co_await asio::async_read(sock, asio::buffer(&c, 1), net::use_task);
        if (rec) {
          co_return;
        }
      }
    }
    bool close = false;
    const std::string response = answer(head, body, close);
    auto [wec, w] = co_await asio::async_write(sock, asio::buffer(response), net::use_task);
    if (wec || close) {
      co_return;
    }
  }
}

std::string ScriptedServer::answer(const std::string& head, const std::string& body,
                                   bool& close) {
  close = has(lower(head), "connection: close");
  switch (mode_.load()) {
    case Mode::status:
    case Mode::silent: {
      const unsigned s = status_.load();
      return "HTTP/1.1 " + std::to_string(s) +
             " Whatever\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
    }
    case Mode::html: {
      const std::string page = "<html><body>It works!</body></html>";
      return "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
             std::to_string(page.size()) + "\r\n\r\n" + page;
    }
    case Mode::sse_mcp:
      break;
  }
  const bool with_session = has(head, "Mcp-Session-Id: s-123\r\n");
  if (head.rfind("DELETE ", 0) == 0) {
    deletes_.fetch_add(1);
    return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  }
  if (has(body, R"("method":"initialize")")) {
    // A comment, a priming event (id, empty data), a notification, then the response.
    return chunked_sse(
        ": hello\r\n\r\nid: 0\r\ndata:\r\n\r\n"
        "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
        "\"params\":{\"level\":\"info\",\"data\":\"x\"}}\r\n\r\n"
        "event: message\r\nid: 1\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{"
        "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
        "\"serverInfo\":{\"name\":\"fake\",\"version\":\"1\"}}}\r\n\r\n",
        "Mcp-Session-Id: s-123\r\n");
  }
  if (!with_session || !has(head, "MCP-Protocol-Version: 2025-06-18\r\n")) {
    return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  }
  if (has(body, R"("method":"notifications/initialized")")) {
    return "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
  }
  if (has(body, R"("method":"ping")")) {
    // The response split over two data lines (joined with LF, which is JSON whitespace).
    return chunked_sse("data: {\"jsonrpc\":\"2.0\",\ndata: \"id\":2,\"result\":{}}\n\n", "");
  }
  return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
}

// -------------------------------------------------------------------------------- DemoServer

bool DemoServer::available() {
#ifdef MCPLB_DEMO_SERVER
  return access(MCPLB_DEMO_SERVER, X_OK) == 0;
#else
  return false;
#endif
}

DemoServer::DemoServer(const std::vector<std::string>& extra_args) {
#ifdef MCPLB_DEMO_SERVER
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return;
  }
  std::vector<std::string> args = {MCPLB_DEMO_SERVER, "--listen", "127.0.0.1:0", "--name",
                                   "demo-h"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  // Without --no-parent-death: the child dies with this test process even if it crashes.
  const int rc = posix_spawn(&pid_, MCPLB_DEMO_SERVER, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  out_ = fds[0];
  if (rc != 0) {
    pid_ = -1;
    return;
  }
  // "mcp-demo-server NAME listening on 127.0.0.1:PORT\n", within 10 s.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      continue;
    }
    char buf[256];
    const ssize_t n = read(out_, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    line.append(buf, static_cast<size_t>(n));
  }
  const size_t colon = line.rfind(':');
  if (line.find("listening on 127.0.0.1:") != std::string::npos && colon != std::string::npos) {
    port_ = static_cast<unsigned short>(std::strtoul(line.c_str() + colon + 1, nullptr, 10));
  }
#else
  (void)extra_args;
#endif
}

DemoServer::~DemoServer() {
  terminate();
  if (out_ >= 0) {
    close(out_);
  }
}

void DemoServer::terminate() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

net::tcp::endpoint DemoServer::endpoint() const {
  return {asio::ip::make_address("127.0.0.1"), port_};
}

std::string DemoServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

// ---------------------------------------------------------------------------------- helpers

pool::BackendPtr make_backend(const std::string& name, const std::string& address) {
  auto b = std::make_shared<pool::Backend>();
  b->name = name;
  b->address = address;
  b->stats = std::make_unique<pool::BackendStats>(1);
  return b;
}

std::shared_ptr<ProbeSpec> quick_spec(ProbeSpec::Type type) {
  auto s = std::make_shared<ProbeSpec>();
  s->type = type;
  s->path = type == ProbeSpec::Type::mcp ? "/mcp" : "/healthz";
  s->interval = 30ms;
  s->fast_recheck = 10ms;
  s->timeout = 500ms;
  s->jitter = 0;
  s->healthy_threshold = 2;
  s->unhealthy_threshold = 3;
  return s;
}

unsigned short closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed when `a` goes; nothing else binds it meanwhile
}

}  // namespace mcplb::health::test
