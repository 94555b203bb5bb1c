#pragma once
// The two probes. Each runs one check through a ProbeClient (which owns the deadline) and
// turns what it saw into a ProbeResult. Checker thread only.

#include <string>
#include <string_view>

#include "health/probe_spec.h"
#include "net/asio.h"

namespace mcplb::health {

class ProbeClient;
class ReplyReader;

struct ProbeResult {
  bool ok = false;
  std::string detail;  // failure: the reason ("connect refused"); success: what passed
};

/// GET spec.path; ok iff the status is in [expect_min, expect_max].
net::Task<ProbeResult> http_probe(ProbeClient& client, const ProbeSpec& spec,
                                  std::string_view host);

/// initialize (+ notifications/initialized, ping, DELETE when a session is made); falls back
/// to a stateless server/discover (ping when discover is unknown) for servers that refuse the
/// handshake. See README.md for exactly what counts as healthy.
net::Task<ProbeResult> mcp_probe(ProbeClient& client, const ProbeSpec& spec,
                                 std::string_view host, ReplyReader& json);

}  // namespace mcplb::health
