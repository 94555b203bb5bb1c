#pragma once
// Settings of the admin listener (the `admin:` config section maps onto these).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace mcplb::admin {

struct ReloadReport;

struct Options {
  /// POST /admin/reload runs this (the same reload as SIGHUP); empty: 501.
  std::function<ReloadReport()> reload;
  /// Non-empty: changes, and /admin reads from non-loopback peers, need
  /// `Authorization: Bearer <token>` (else 401). Empty: changes from loopback only.
  std::string token;
  /// Non-empty: GET /metrics needs `Authorization: Bearer <metrics_token>` too.
  std::string metrics_token;
  /// Connections beyond this are closed at once (the admin port is not a data path).
  uint32_t max_connections = 64;
  uint32_t max_header_bytes = 8 * 1024;
  uint32_t max_body_bytes = 64 * 1024;
  /// Reading one request, including the keep-alive wait before it (longer than the usual
  /// 15 s scrape interval so Prometheus keeps its connection).
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{10'000};
};

}  // namespace mcplb::admin
