#pragma once
// GET /metrics: every mcplb_* family, built from the live Topology (per-backend atomics summed
// over worker slots), the workers' MCP counters, the health checker's status and /proc/self.
// Nothing here writes shared state; the request path is never blocked by a scrape.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "admin/process_stats.h"
#include "mcplb/pool/backend.h"
#include "proxy/request_stats.h"

namespace mcplb::health {
class Checker;
}
namespace mcplb::proxy {
class Topology;
}  // namespace mcplb::proxy

namespace mcplb::admin {

/// The workers' counters a scrape reads, one entry per worker: from Server::mcp_counters()
/// (MCP counters and request statistics), or from MCP counters alone (then no request
/// families: responses, durations). Views: what they point to must outlive the scrape.
struct WorkerCounterSpans {
  std::span<const proxy::McpCounters* const> mcp;
  std::span<const proxy::RequestStats* const> requests;

  WorkerCounterSpans() = default;
  WorkerCounterSpans(const proxy::WorkerCounters& w) : mcp(w.mcp), requests(w.requests) {}
  WorkerCounterSpans(const std::vector<const proxy::McpCounters*>& m) : mcp(m) {}
  WorkerCounterSpans(std::span<const proxy::McpCounters* const> m) : mcp(m) {}
};

/// What one scrape reads. All pointers must stay valid for the call.
struct ScrapeInput {
  const proxy::Topology* topology = nullptr;
  WorkerCounterSpans mcp;  // every worker's MCP counters (and request statistics)
  const health::Checker* checker = nullptr;        // null: no health_* families
  const ProcessStats* process = nullptr;           // null: no process_* families
  int64_t now_ns = 0;                              // steady clock, as Backend's *_ns fields
  std::string_view version;                        // mcplb_build_info{version}
};

/// The state label of mcplb_backend_state: draining and unhealthy as stored; a healthy
/// backend inside a passive ejection is "ejected".
const char* state_label(const pool::Backend& b, int64_t now_ns);

/// Writes the exposition. Keeps scratch space between calls, so one instance per thread that
/// scrapes (the admin thread); not thread-safe.
class MetricsWriter {
 public:
  /// Appends to `out` (does not clear it).
  void write(const ScrapeInput& in, std::string& out);

 private:
  struct Row {
    std::string_view pool;
    std::string_view backend;
    uint64_t requests;
    uint64_t failures;
    int64_t connections;
    int64_t in_flight;
    int64_t streams;
    int64_t sessions;
    uint64_t weight;
    uint64_t ejections;
    uint64_t retries;
    uint64_t failovers;
    uint64_t rejected;
    const char* state;
    bool up;
  };
  void collect_rows(const ScrapeInput& in);
  void write_backends(std::string& out);
  void write_pools(const ScrapeInput& in, std::string& out);
  void write_health(const ScrapeInput& in, std::string& out);
  void write_mcp(const ScrapeInput& in, std::string& out);
  void write_requests(const ScrapeInput& in, std::string& out);
  static void write_process(const ProcessStats& p, std::string& out);

  std::vector<Row> rows_;
  // Request statistics summed over workers, per cell: every pool's backends then its "no
  // backend" cell, then the "no pool" cell (RequestStats' layout).
  struct CellRow {
    std::string_view pool;
    std::string_view backend;
    bool configured;  // a configured backend (its histogram is always written)
    proxy::CellSum sum;
  };
  std::vector<CellRow> cells_;
  std::vector<std::pair<std::string_view, uint64_t>> tools_;
};

}  // namespace mcplb::admin
