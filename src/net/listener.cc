#include "net/listener.h"

#include <sys/socket.h>

#include <boost/asio/ip/v6_only.hpp>

namespace mcplb::net {

bool open_listener(Acceptor& acceptor, const tcp::endpoint& ep, std::string& err) {
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
      ec.assign(errno, boost::system::system_category());
    }
  }
  if (!ec && ep.address().is_v6()) {
    acceptor.set_option(asio::ip::v6_only(true), ec);
  }
  if (!ec) {
    acceptor.bind(ep, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    err = to_string(ep) + ": " + ec.message();
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return false;
  }
  return true;
}

bool parse_endpoint(const std::string& host, uint16_t port, tcp::endpoint& out) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    return false;
  }
  out = tcp::endpoint(addr, port);
  return true;
}

std::string to_string(const tcp::endpoint& ep) {
  if (ep.address().is_v6()) {
    return "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
  }
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace mcplb::net
