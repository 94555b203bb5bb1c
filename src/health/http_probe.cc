#include <fmt/format.h>

#include "health/probe.h"
#include "health/probe_client.h"

namespace mcplb::health {

net::Task<ProbeResult> http_probe(ProbeClient& client, const ProbeSpec& spec,
                                  std::string_view host) {
  const std::string request = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mcplb-health\r\nAccept: */*\r\n"
      "Connection: close\r\n\r\n",
      spec.path, host);
  Response r;
  std::string err = co_await client.exchange(request, BodyMode::status_only, nullptr, r);
  if (!err.empty()) {
    co_return ProbeResult{false, std::move(err)};
  }
  if (r.status < spec.expect_min || r.status > spec.expect_max) {
    co_return ProbeResult{
        false, fmt::format("status {} (expected {}-{})", r.status, spec.expect_min,
                           spec.expect_max)};
  }
  co_return ProbeResult{true, fmt::format("status {}", r.status)};
}

}  // namespace mcplb::health
