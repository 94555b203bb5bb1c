#include "admin/server.h"

#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "core/log.h"
#include "net/listener.h"

namespace mcplb::admin {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using Stream = beast::basic_stream<net::tcp, net::Executor, beast::unlimited_rate_policy>;

struct AdminServer::Conn {
  explicit Conn(net::Socket s) : stream(std::move(s)) {}
  Stream stream;
};

namespace {

/// Keeps `conns` listing `c` for the lifetime of a connection coroutine, and gives back the
/// slot the accept loop counted in `live`.
template <class C>
class Registration {
 public:
  Registration(std::vector<C*>& conns, size_t& live, C* c) : conns_(conns), live_(live), c_(c) {
    conns_.push_back(c_);
  }
  ~Registration() {
    std::erase(conns_, c_);
    --live_;
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  std::vector<C*>& conns_;
  size_t& live_;
  C* c_;
};

/// A parse failure worth answering before closing (the peer may be a confused client).
unsigned status_for_read_error(const beast::error_code& ec) {
  if (ec == http::error::body_limit) {
    return 413;
  }
  if (ec == http::error::header_limit) {
    return 431;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return 0;
  }
  if (ec.category() == beast::http::make_error_code(http::error::bad_method).category()) {
    return 400;
  }
  return 0;
}

/// 127.0.0.0/8 or ::1, also as an IPv4-mapped IPv6 address (a dual-stack listener).
bool is_loopback(const net::tcp::endpoint& ep) {
  const auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

void log_exception(std::exception_ptr e) {
  if (!e) {
    return;
  }
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("admin: connection failed: {}", x.what());
  } catch (...) {
    spdlog::error("admin: connection failed");
  }
}

}  // namespace

AdminServer::AdminServer(const proxy::Server& server, net::tcp::endpoint bind, Options options)
    : api_(server, options), opts_(std::move(options)), bind_(bind) {}

AdminServer::~AdminServer() { stop(); }

bool AdminServer::start(std::string& err) {
  boost::system::error_code ec;
  acceptor_.open(bind_.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(bind_, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (!ec) {
    bound_ = acceptor_.local_endpoint(ec);
  }
  if (ec) {
    err = "admin: cannot listen on " + net::to_string(bind_) + ": " + ec.message();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return false;
  }
  asio::co_spawn(io_.get_executor(), accept_loop(), log_exception);
  started_ = true;
  thread_ = std::thread([this] {
    io_.run();
    {
      std::lock_guard lock(mu_);
      run_done_ = true;
    }
    cv_.notify_all();
  });
  return true;
}

void AdminServer::close_all() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
  for (Conn* c : conns_) {
    c->stream.close();
  }
}

void AdminServer::stop() {
  if (!started_ || !thread_.joinable()) {
    return;
  }
  asio::post(io_, [this] { close_all(); });
  {
    std::unique_lock lock(mu_);
    // Closing every socket ends every coroutine promptly; the timeout is a safety net.
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return run_done_; })) {
      spdlog::warn("admin: connections did not end within 5 s; stopping the admin loop");
      io_.stop();
    }
  }
  thread_.join();
}

net::Task<void> AdminServer::accept_loop() {
  for (;;) {
    auto [ec, sock] = co_await acceptor_.async_accept(net::use_task);
    if (stopping_ || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // EMFILE and the like: back off instead of spinning on the same error.
      spdlog::warn("admin: accept failed: {}", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      auto [tec] = co_await retry_timer_.async_wait(net::use_task);
      (void)tec;
      if (stopping_) {
        co_return;
      }
      continue;
    }
    if (live_ >= opts_.max_connections) {
      boost::system::error_code ignored;
      sock.close(ignored);
      continue;
    }
    ++live_;
    asio::co_spawn(io_.get_executor(), serve(std::move(sock)), log_exception);
  }
}

net::Task<void> AdminServer::serve(net::Socket sock) {
  Conn conn(std::move(sock));
  Registration reg(conns_, live_, &conn);
  std::string peer = "?";
  bool loopback = false;
  {
    boost::system::error_code ec;
    auto ep = conn.stream.socket().remote_endpoint(ec);
    if (!ec) {
      peer = net::to_string(ep);
      loopback = is_loopback(ep);
    }
  }
  beast::flat_buffer buf;
  std::string body;  // reused by every response on this connection
  Response res;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(opts_.max_header_bytes);
    parser.body_limit(opts_.max_body_bytes);
    conn.stream.expires_after(opts_.read_timeout);
    auto [ec, n] = co_await http::async_read(conn.stream, buf, parser, net::use_task);
    (void)n;
    bool keep_alive = true;
    unsigned version = 11;
    if (ec) {
      const unsigned status = status_for_read_error(ec);
      if (status == 0 || stopping_) {
        break;
      }
      res = Response{};
      res.status = status;
      res.content_type = "application/json";
      body.assign(status == 413   ? "{\"error\":\"request body too large\"}\n"
                  : status == 431 ? "{\"error\":\"request head too large\"}\n"
                                  : "{\"error\":\"malformed request\"}\n");
      keep_alive = false;
    } else {
      auto& req = parser.get();
      version = req.version();
      keep_alive = req.keep_alive();
      Request r;
      r.method = req.method_string();
      r.target = req.target();
      r.authorization = req[http::field::authorization];
      r.host = req[http::field::host];
      r.origin = req[http::field::origin];
      r.body = req.body();
      r.peer = peer;
      r.loopback = loopback;
      api_.handle(r, res, body);
      if (req.method() == http::verb::head) {
        body.clear();  // a response to HEAD has no body
      }
    }
    http::response<http::string_body> out(static_cast<http::status>(res.status), version);
    out.set(http::field::server, "mcplb");
    out.set(http::field::content_type, res.content_type);
    out.set(http::field::cache_control, "no-store");
    out.set("X-Content-Type-Options", "nosniff");
    if (!res.allow.empty()) {
      out.set(http::field::allow, res.allow);
    }
    if (res.bearer_challenge) {
      out.set(http::field::www_authenticate, "Bearer realm=\"mcplb\"");
    }
    if (!res.csp.empty()) {
      out.set("Content-Security-Policy", res.csp);
      out.set("Referrer-Policy", "no-referrer");
    }
    out.keep_alive(keep_alive && !stopping_);
    out.body() = std::move(body);
    out.prepare_payload();
    conn.stream.expires_after(opts_.write_timeout);
    auto [wec, wn] = co_await http::async_write(conn.stream, out, net::use_task);
    (void)wn;
    body = std::move(out.body());  // keep the capacity for the next response
    if (wec || !out.keep_alive() || stopping_) {
      break;
    }
  }
  boost::system::error_code ignored;
  conn.stream.socket().shutdown(net::tcp::socket::shutdown_send, ignored);
  conn.stream.close();
}

}  // namespace mcplb::admin
