#include "proxy/worker.h"

#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "core/log.h"
#include "mcp/error.h"
#include "net/listener.h"
#include "proxy/connection.h"
#include "proxy/passive_health.h"

namespace mcplb::proxy {

namespace asio = net::asio;

namespace {
constexpr auto kTick = std::chrono::milliseconds(250);
constexpr uint64_t kPeerCheckEvery = 8;  // ticks between checks that stream clients are alive
// Big enough for the largest head plus what mcplb adds to it, in whole pages.
size_t block_size_for(const config::Config& cfg) {
  size_t need = std::max<size_t>(cfg.client.max_header_bytes + 4096, 16 * 1024);
  return (need + 4095) / 4096 * 4096;
}
// Free blocks a worker keeps for reuse; beyond this they go back to malloc, so a burst of
// connections does not pin memory for good.
constexpr size_t kMaxFreeBlocks = 256;
}  // namespace

Worker::Worker(size_t idx, TopologyPtr t)
    : index(idx),
      topo(std::move(t)),
      buffers(block_size_for(topo->config()), kMaxFreeBlocks),
      now(Clock::now()),
      tick_(io.get_executor()) {
  mcp::HttpErrorOptions opts;
  opts.close = true;
  opts.retry_after_seconds = 1;
  mcp::append_http_error_response(overload_reply_, mcp::ErrorKind::overloaded,
                                  "too many connections", "null", opts);
  for (const auto& p : topo->pools()) {
    WorkerPool wp;
    wp.rt = &p;
    wp.policy = p.policy->build(p.backends, p.options);
    for (const auto& b : p.backends) {
      wp.upstream.push_back(std::make_unique<UpstreamPool>(p.cfg.keepalive, b->stats->slot(idx)));
    }
    pools.push_back(std::move(wp));
  }
}

Worker::~Worker() { join(); }

bool Worker::listen(std::vector<std::shared_ptr<ListenerShared>>& listeners, std::string& err) {
  for (auto& l : listeners) {
    auto a = std::make_unique<net::Acceptor>(io.get_executor());
    if (!net::open_listener(*a, l->endpoint, err)) {
      return false;
    }
    if (l->endpoint.port() == 0) {
      l->endpoint = a->local_endpoint();  // later workers bind the port the kernel chose
    }
    acceptors_.push_back(std::move(a));
    listeners_.push_back(l);
  }
  return true;
}

void Worker::start() {
  for (size_t i = 0; i < acceptors_.size(); ++i) {
    asio::co_spawn(io, accept_loop(*acceptors_[i], listeners_[i]), asio::detached);
  }
  asio::co_spawn(io, tick_loop(), asio::detached);
  thread_ = std::thread([this] { io.run(); });
}

void Worker::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::begin_drain() {
  asio::post(io, [this] {
    draining = true;
    boost::system::error_code ec;
    for (auto& a : acceptors_) {
      a->close(ec);
    }
    for (Connection* c = head_; c != nullptr;) {
      Connection* next = c->next;
      c->on_drain();
      c = next;
    }
  });
}

void Worker::force_stop() {
  asio::post(io, [this] {
    draining = true;
    for (Connection* c = head_; c != nullptr;) {
      Connection* next = c->next;
      c->on_deadline();
      c = next;
    }
  });
}

void Worker::link(Connection* c) {
  c->next = head_;
  if (head_ != nullptr) {
    head_->prev = c;
  }
  head_ = c;
}

void Worker::unlink(Connection* c) {
  if (c->prev != nullptr) {
    c->prev->next = c->next;
  } else {
    head_ = c->next;
  }
  if (c->next != nullptr) {
    c->next->prev = c->prev;
  }
  c->prev = c->next = nullptr;
}

net::Task<void> Worker::accept_loop(net::Acceptor& acceptor,
                                    std::shared_ptr<ListenerShared> shared) {
  for (;;) {
    auto [ec, sock] = co_await acceptor.async_accept(net::use_task);
    if (draining || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // Out of descriptors or memory: back off briefly instead of spinning.
      spdlog::warn("accept on {}: {}", net::to_string(shared->endpoint), ec.message());
      net::Timer t(io.get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(net::use_task);
      continue;
    }
    if (shared->open.fetch_add(1, std::memory_order_relaxed) >= shared->max_connections) {
      shared->open.fetch_sub(1, std::memory_order_relaxed);
      boost::system::error_code wec;
      sock.non_blocking(true, wec);
      sock.write_some(asio::buffer(overload_reply_), wec);
      sock.shutdown(net::tcp::socket::shutdown_send, wec);
      continue;
    }
    auto conn = std::make_unique<Connection>(*this, std::move(sock), shared.get());
    asio::co_spawn(
        io, [](std::unique_ptr<Connection> c) -> net::Task<void> { co_await c->run(); }(
                std::move(conn)),
        asio::detached);
  }
}

net::Task<void> Worker::tick_loop() {
  for (;;) {
    tick_.expires_after(kTick);
    co_await tick_.async_wait(net::use_task);
    now = Clock::now();
    ++ticks_;
    sweep();
    if (draining && head_ == nullptr) {
      for (auto& p : pools) {
        for (auto& u : p.upstream) {
          u->close_all();
        }
      }
      co_return;  // nothing left: io.run() returns once the last handler is done
    }
  }
}

void Worker::sweep() {
  bool check_peers = ticks_ % kPeerCheckEvery == 0;
  for (Connection* c = head_; c != nullptr;) {
    Connection* next = c->next;
    if (c->deadline() <= now) {
      c->on_deadline();
    } else if (check_peers && c->streaming()) {
      if (c->backend_drained_out(std::chrono::nanoseconds(now.time_since_epoch()).count())) {
        c->on_drain();  // the client reconnects its stream and lands on another backend
      } else {
        c->check_client_gone();
      }
    }
    c = next;
  }
  const int64_t now_ns = std::chrono::nanoseconds(now.time_since_epoch()).count();
  for (auto& p : pools) {
    for (auto& u : p.upstream) {
      u->expire(now);
    }
    if (index == 0) {
      log_returns(*p.rt, now_ns);  // one worker is enough: the state is shared
    }
  }
}

}  // namespace mcplb::proxy
