#include "server.h"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "connection.h"

namespace mcplb::demo {
namespace {

using tcp = asio::ip::tcp;

Task<void> serve(std::unique_ptr<Connection> connection) { co_await connection->run(); }

}  // namespace

tcp::endpoint parse_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    throw std::invalid_argument(fmt::format("--listen '{}': expected host:port", text));
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535) {
    throw std::invalid_argument(fmt::format("--listen '{}': bad port", text));
  }
  ErrorCode addr_ec;
  const auto address =
      asio::ip::make_address(std::string(host == "localhost" ? "127.0.0.1" : host), addr_ec);
  if (addr_ec) {
    throw std::invalid_argument(fmt::format("--listen '{}': bad address", text));
  }
  return {address, static_cast<unsigned short>(port)};
}

Worker::Worker(Server& server) : server_(server), acceptor_(ioc_), guard_(ioc_) {}

void Worker::open(const tcp::endpoint& endpoint, bool reuse_port) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  if (reuse_port) {
    // Every worker listens on the same port; the kernel spreads connections over them.
    using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    acceptor_.set_option(ReusePort(true));
  }
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Worker::start() { asio::co_spawn(ioc_, accept_loop(), asio::detached); }

Task<void> Worker::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
        co_return;
      }
      continue;  // e.g. EMFILE or a connection reset before accept: keep serving
    }
    ErrorCode ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_unique<Connection>(*this, std::move(socket));
    asio::co_spawn(ioc_, serve(std::move(connection)), asio::detached);
  }
}

void Worker::stop() {
  asio::post(ioc_, [this] { stop_on_thread(); });
}

void Worker::stop_on_thread() {
  ErrorCode ignored;
  acceptor_.close(ignored);
  for (Connection* c : connections_) {
    c->cancel_if_idle();
  }
  // Streams were ended politely by the session store; busy requests get up to a second.
  asio::co_spawn(ioc_, drain(), asio::detached);
}

Task<void> Worker::drain() {
  for (int tick = 0; tick < 100 && !connections_.empty(); ++tick) {
    guard_.expires_after(std::chrono::milliseconds(10));
    co_await guard_.async_wait(nothrow);
  }
  ioc_.stop();
}

Server::Server(Options options) : options_(std::move(options)) {
  backend_header_ = fmt::format("X-Backend-Name: {}\r\n", options_.name);
  const unsigned n = options_.threads == 0 ? 1 : options_.threads;
  for (unsigned i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(*this));
  }
}

Server::~Server() {
  sessions_.close_all();
  workers_.clear();
}

void Server::listen() {
  tcp::endpoint endpoint = parse_listen(options_.listen);
  const bool reuse_port = workers_.size() > 1;
  workers_[0]->open(endpoint, reuse_port);
  bound_ = workers_[0]->local_endpoint();  // port 0 picks a free port; the others share it
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    workers_[i]->open(bound_, reuse_port);
  }
}

std::string Server::bound_address() const {
  if (bound_.address().is_v6()) {
    return fmt::format("[{}]:{}", bound_.address().to_string(), bound_.port());
  }
  return fmt::format("{}:{}", bound_.address().to_string(), bound_.port());
}

Task<void> Server::sweep_loop() {
  Timer timer(co_await asio::this_coro::executor);
  const auto idle = std::chrono::seconds(options_.session_idle_s);
  const auto period = std::min<std::chrono::steady_clock::duration>(idle, std::chrono::seconds(30));
  while (!stopping()) {
    timer.expires_after(period);
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec || stopping()) {
      co_return;
    }
    sessions_.sweep_idle(std::chrono::steady_clock::now() - idle);
  }
}

void Server::run() {
  Worker& main = *workers_[0];
  asio::basic_signal_set<Executor> signals(main.executor(), SIGTERM, SIGINT);
  signals.async_wait([this](ErrorCode ec, int) {
    if (!ec) {
      shutdown();
    }
  });
  if (options_.session_idle_s > 0) {
    asio::co_spawn(main.context(), sweep_loop(), asio::detached);
  }
  for (auto& worker : workers_) {
    worker->start();
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    threads.emplace_back([w = workers_[i].get()] { w->context().run(); });
  }
  main.context().run();
  for (auto& t : threads) {
    t.join();
  }
}

void Server::shutdown() {
  if (stopping_.exchange(true)) {
    return;
  }
  sessions_.close_all();  // ends every SSE stream with its terminal chunk
  for (auto& worker : workers_) {
    worker->stop();
  }
}

}  // namespace mcplb::demo
