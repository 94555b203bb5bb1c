#pragma once
// Listening sockets: one per worker per address, bound with SO_REUSEPORT so the kernel
// spreads connections over workers without a shared accept lock.

#include <string>
#include <vector>

#include "net/asio.h"

namespace mcplb::net {

/// Opens a listening socket on `ep` with SO_REUSEADDR + SO_REUSEPORT.
/// @return false and `err` set when it cannot be bound.
bool open_listener(Acceptor& acceptor, const tcp::endpoint& ep, std::string& err);

/// Parses a numeric "host:port" / "[v6]:port" into an endpoint.
bool parse_endpoint(const std::string& host, uint16_t port, tcp::endpoint& out);

/// "127.0.0.1:8080" / "[::1]:8080".
std::string to_string(const tcp::endpoint& ep);

}  // namespace mcplb::net
