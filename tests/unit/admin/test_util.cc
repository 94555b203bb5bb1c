#include "test_util.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace mcplb::admin::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

config::Backend backend(std::string name, uint16_t port, uint32_t weight) {
  config::Backend b;
  b.name = std::move(name);
  b.address.host = "127.0.0.1";
  b.address.port = port;
  b.weight = weight;
  return b;
}

config::Pool pool(std::string name, std::vector<config::Backend> backends) {
  config::Pool p;
  p.name = std::move(name);
  p.policy.name = "round_robin";
  p.backends = std::move(backends);
  return p;
}

config::Config make_config(std::vector<config::Pool> pools) {
  config::Config c;
  config::Listener l;
  l.address.host = "127.0.0.1";
  l.address.port = 0;
  c.listen.push_back(l);
  c.workers = 1;
  c.shutdown_timeout = std::chrono::milliseconds(200);
  c.pools = std::move(pools);
  return c;
}

proxy::TopologyPtr build(const config::Config& cfg, size_t workers) {
  std::string err;
  auto t = proxy::Topology::build(cfg, workers, err);
  if (!t) {
    throw std::runtime_error("Topology::build: " + err);
  }
  return t;
}

uint16_t dead_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

struct Client::Impl {
  asio::io_context io;
  asio::ip::tcp::socket sock{io};
  beast::flat_buffer buf;

  Reply read_reply() {
    Reply r;
    bhttp::response_parser<bhttp::string_body> p;
    p.body_limit(64 * 1024 * 1024);
    beast::error_code ec;
    bhttp::read(sock, buf, p, ec);
    if (ec) {
      return r;
    }
    auto& res = p.get();
    r.status = res.result_int();
    r.body = res.body();
    r.keep_alive = res.keep_alive();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      r.headers[name] = std::string(f.value());
    }
    return r;
  }
};

Client::Client(uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->sock.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  timeval tv{5, 0};
  ::setsockopt(impl_->sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(impl_->sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Client::~Client() = default;

Reply Client::call(std::string_view method, std::string_view target, std::string_view body,
                   const Headers& headers) {
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.body() = std::string(body);
  req.prepare_payload();
  beast::error_code ec;
  bhttp::write(impl_->sock, req, ec);
  if (ec) {
    return {};
  }
  return impl_->read_reply();
}

Reply Client::raw(std::string_view bytes) {
  beast::error_code ec;
  asio::write(impl_->sock, asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) {
    return {};
  }
  return impl_->read_reply();
}

bool Client::closed_by_peer() {
  char c;
  beast::error_code ec;
  size_t n = impl_->sock.read_some(asio::buffer(&c, 1), ec);
  return n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
}

Reply one_request(uint16_t port, std::string_view method, std::string_view target,
           std::string_view body, const Headers& headers) {
  Client c(port);
  return c.call(method, target, body, headers);
}

}  // namespace mcplb::admin::test
