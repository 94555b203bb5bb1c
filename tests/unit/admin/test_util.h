#pragma once
// Helpers for the admin tests: configs built in code, and a blocking HTTP/1.1 client with
// socket timeouts (a broken server fails a test instead of hanging it).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/model.h"
#include "proxy/topology.h"

namespace mcplb::admin::test {

config::Backend backend(std::string name, uint16_t port, uint32_t weight = 1);
config::Pool pool(std::string name, std::vector<config::Backend> backends);
/// One listener on 127.0.0.1:0, the given pools, one worker.
config::Config make_config(std::vector<config::Pool> pools);
proxy::TopologyPtr build(const config::Config& cfg, size_t workers);

/// A loopback port with nothing listening (bound, then closed).
uint16_t dead_port();

struct Reply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool keep_alive = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One keep-alive connection to 127.0.0.1:port.
class Client {
 public:
  explicit Client(uint16_t port);
  ~Client();
  /// Sends one request, reads one response. status 0 when the connection failed or closed.
  Reply call(std::string_view method, std::string_view target, std::string_view body = {},
             const Headers& headers = {});
  /// Writes raw bytes and reads one response (for malformed/oversized requests).
  Reply raw(std::string_view bytes);
  /// True when the server closed the connection (a read returns EOF/reset within 5 s).
  bool closed_by_peer();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One request on a fresh connection.
Reply one_request(uint16_t port, std::string_view method, std::string_view target,
           std::string_view body = {}, const Headers& headers = {});

}  // namespace mcplb::admin::test
