#include "admin/metrics.h"

#include <algorithm>

#include "admin/exposition.h"
#include "health/checker.h"
#include "proxy/mcp_counters.h"
#include "proxy/topology.h"

namespace mcplb::admin {

namespace {

using Type = Exposition::Type;
constexpr auto relaxed = std::memory_order_relaxed;

}  // namespace

const char* state_label(const pool::Backend& b, int64_t now_ns) {
  const auto s = b.state.load(relaxed);
  if (s == pool::BackendState::healthy && b.ejected_until_ns.load(relaxed) > now_ns) {
    return "ejected";
  }
  return pool::to_string(s);
}

void MetricsWriter::collect_rows(const ScrapeInput& in) {
  rows_.clear();
  for (const auto& p : in.topology->pools()) {
    for (const auto& bp : p.backends) {
      const pool::Backend& b = *bp;
      Row r{};
      r.pool = p.cfg.name;
      r.backend = b.name;
      if (b.stats) {
        r.requests = b.stats->requests();
        r.failures = b.stats->failures();
        r.connections = b.stats->active_conns();
        r.in_flight = b.stats->in_flight();
        r.streams = b.stats->streams();
        r.retries = b.stats->retries();
        r.failovers = b.stats->failovers();
        r.rejected = b.stats->rejected();
      }
      r.sessions = b.sessions.load(relaxed);
      r.weight = b.weight.load(relaxed);
      r.ejections = b.ejections_total.load(relaxed);
      r.state = state_label(b, in.now_ns);
      r.up = b.ready(in.now_ns);
      rows_.push_back(r);
    }
  }
}

void MetricsWriter::write_backends(std::string& out) {
  Exposition e(out);
  auto each = [&](std::string_view name, Type type, std::string_view help, auto get) {
    e.family(name, type, help);
    for (const Row& r : rows_) {
      e.sample({{"pool", r.pool}, {"backend", r.backend}}, get(r));
    }
  };
  each("mcplb_backend_requests_total", Type::counter,
       "Requests sent to the backend (each retry or failover attempt counts).",
       [](const Row& r) { return r.requests; });
  each("mcplb_backend_failures_total", Type::counter,
       "Exchanges with the backend that failed: connect errors, read errors and timeouts.",
       [](const Row& r) { return r.failures; });
  each("mcplb_retries_total", Type::counter,
       "Requests retried on another backend after failing on this one.",
       [](const Row& r) { return r.retries; });
  each("mcplb_failovers_total", Type::counter,
       "MCP sessions moved from this backend to another one.",
       [](const Row& r) { return r.failovers; });
  each("mcplb_overload_rejections_total", Type::counter,
       "Requests refused with 503 because the backend was at its max_in_flight.",
       [](const Row& r) { return r.rejected; });
  each("mcplb_backend_in_flight", Type::gauge,
       "Requests waiting for or streaming a response from the backend.",
       [](const Row& r) { return r.in_flight; });
  each("mcplb_backend_connections", Type::gauge,
       "Upstream connections open to the backend, idle and busy.",
       [](const Row& r) { return r.connections; });
  each("mcplb_backend_streams", Type::gauge, "text/event-stream responses open from the backend.",
       [](const Row& r) { return r.streams; });
  each("mcplb_backend_sessions", Type::gauge, "Live MCP sessions placed on the backend.",
       [](const Row& r) { return r.sessions; });
  each("mcplb_backend_weight", Type::gauge, "Current balancing weight of the backend.",
       [](const Row& r) { return r.weight; });
  each("mcplb_backend_up", Type::gauge,
       "1 when the backend takes new requests: healthy and not ejected by passive checks.",
       [](const Row& r) { return uint64_t{r.up}; });

  e.family("mcplb_backend_state", Type::gauge,
           "Backend state, one-hot: healthy, unhealthy (active checks), draining (admin) or "
           "ejected (passive checks).");
  static constexpr std::string_view kStates[] = {"healthy", "unhealthy", "draining", "ejected"};
  for (const Row& r : rows_) {
    for (std::string_view s : kStates) {
      e.sample({{"pool", r.pool}, {"backend", r.backend}, {"state", s}},
               uint64_t{s == r.state});
    }
  }
  each("mcplb_backend_ejections_total", Type::counter,
       "Passive-health ejections of the backend (max_fails and consecutive errors).",
       [](const Row& r) { return r.ejections; });
}

void MetricsWriter::write_pools(const ScrapeInput& in, std::string& out) {
  Exposition e(out);
  e.family("mcplb_pool_backends", Type::gauge, "Backends configured in the pool.");
  for (const auto& p : in.topology->pools()) {
    e.sample({{"pool", p.cfg.name}}, uint64_t{p.backends.size()});
  }
  e.family("mcplb_pool_ready_backends", Type::gauge,
           "Backends of the pool that take new requests (0 means the pool is down).");
  for (const auto& p : in.topology->pools()) {
    uint64_t ready = 0;
    for (const auto& b : p.backends) {
      ready += b->ready(in.now_ns) ? 1 : 0;
    }
    e.sample({{"pool", p.cfg.name}}, ready);
  }
}

void MetricsWriter::write_health(const ScrapeInput& in, std::string& out) {
  if (in.checker == nullptr) {
    return;
  }
  const auto status = in.checker->status();
  Exposition e(out);
  e.family("mcplb_health_probes_total", Type::counter, "Active health probes sent.");
  for (const auto& s : status) {
    e.sample({{"pool", s.pool}, {"backend", s.backend}}, s.probes);
  }
  e.family("mcplb_health_probe_failures_total", Type::counter, "Active health probes that failed.");
  for (const auto& s : status) {
    e.sample({{"pool", s.pool}, {"backend", s.backend}}, s.failed_probes);
  }
  e.family("mcplb_health_healthy", Type::gauge,
           "1 when the active checks consider the backend healthy (whatever the admin state).");
  for (const auto& s : status) {
    e.sample({{"pool", s.pool}, {"backend", s.backend}},
             uint64_t{s.health == health::Health::healthy});
  }
  e.family("mcplb_health_consecutive_failures", Type::gauge,
           "Active probes failed in a row for the backend.");
  for (const auto& s : status) {
    e.sample({{"pool", s.pool}, {"backend", s.backend}}, uint64_t{s.consecutive_failures});
  }
}

void MetricsWriter::write_mcp(const ScrapeInput& in, std::string& out) {
  using proxy::McpCounters;
  Exposition e(out);
  // Every method row, zeros included: rate() needs the series to exist before the first call.
  e.family("mcplb_mcp_requests_total", Type::counter,
           "MCP JSON-RPC requests by method (unknown methods count as \"other\").");
  for (size_t m = 0; m < McpCounters::kMethods.size(); ++m) {
    uint64_t total = 0;
    for (const McpCounters* c : in.mcp.mcp) {
      total += c->method_count(m);
    }
    e.sample({{"method", McpCounters::kMethods[m]}}, total);
  }
  // Each worker has its own tool table: merge by name (sorted scratch, no map).
  tools_.clear();
  for (const McpCounters* c : in.mcp.mcp) {
    c->for_each_tool([&](std::string_view name, uint64_t n) { tools_.emplace_back(name, n); });
  }
  std::sort(tools_.begin(), tools_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  e.family("mcplb_mcp_tool_calls_total", Type::counter,
           "MCP tools/call requests by tool name (beyond 256 distinct names: \"other\").");
  for (size_t i = 0; i < tools_.size();) {
    uint64_t total = 0;
    size_t j = i;
    for (; j < tools_.size() && tools_[j].first == tools_[i].first; ++j) {
      total += tools_[j].second;
    }
    e.sample({{"tool", tools_[i].first}}, total);
    i = j;
  }
}

void MetricsWriter::write_requests(const ScrapeInput& in, std::string& out) {
  using proxy::RequestStats;
  const auto workers = in.mcp.requests;
  if (workers.empty() || in.topology == nullptr) {
    return;
  }
  // Sum every cell over the workers once; both families below read the sums.
  cells_.clear();
  const RequestStats& layout = *workers[0];
  const auto& pools = in.topology->pools();
  for (size_t p = 0; p < layout.pools() && p < pools.size(); ++p) {
    const auto& pool = pools[p];
    const size_t n = layout.backends(p);
    for (size_t b = 0; b <= n; ++b) {
      const bool configured = b < n && b < pool.backends.size();
      cells_.push_back(CellRow{pool.cfg.name,
                               configured ? std::string_view(pool.backends[b]->name) : "",
                               configured, proxy::sum_cell(workers, p, b)});
    }
  }
  cells_.push_back(CellRow{"", "", false, proxy::sum_cell(workers, layout.pools(), 0)});

  Exposition e(out);
  e.family("mcplb_responses_total", Type::counter,
           "Responses sent to clients by status class and origin (backend: relayed from the "
           "backend; mcplb: written by mcplb). Only non-zero series are written.");
  for (const CellRow& c : cells_) {
    for (size_t k = 0; k < RequestStats::kClasses.size(); ++k) {
      for (size_t o = 0; o < RequestStats::kOrigins.size(); ++o) {
        if (const uint64_t v = c.sum.responses[k][o]) {
          e.sample({{"pool", c.pool},
                    {"backend", c.backend},
                    {"class", RequestStats::kClasses[k]},
                    {"origin", RequestStats::kOrigins[o]}},
                   v);
        }
      }
    }
  }

  // Cumulative buckets, _sum in seconds, _count (= the +Inf bucket).
  auto histogram = [&](const proxy::HistogramSum& h, auto&& labels_with) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < RequestStats::kBuckets; ++i) {
      cumulative += h.buckets[i];
      labels_with("_bucket",
                  i < RequestStats::kBucketLabels.size() ? RequestStats::kBucketLabels[i]
                                                         : std::string_view("+Inf"),
                  cumulative);
    }
    labels_with("_sum", std::string_view(), static_cast<double>(h.sum_ns) / 1e9);
    labels_with("_count", std::string_view(), cumulative);
  };
  e.family("mcplb_request_duration_seconds", Type::histogram,
           "Time from the request head to the end of the response, by pool and backend "
           "(backend=\"\": answered without a backend). GET event streams are not observed.");
  for (const CellRow& c : cells_) {
    if (!c.configured && c.sum.duration.count() == 0) {
      continue;
    }
    histogram(c.sum.duration, [&](std::string_view suffix, std::string_view le, auto v) {
      if (le.empty()) {
        e.sample(suffix, {{"pool", c.pool}, {"backend", c.backend}}, v);
      } else {
        e.sample(suffix, {{"pool", c.pool}, {"backend", c.backend}, {"le", le}}, v);
      }
    });
  }
  // Every method, zeros included (as mcplb_mcp_requests_total): rate() needs the series to
  // exist before the first call.
  e.family("mcplb_mcp_request_duration_seconds", Type::histogram,
           "Time from the request head to the end of the response, by MCP method. GET event "
           "streams are not observed.");
  for (size_t m = 0; m < RequestStats::kMethods; ++m) {
    const std::string_view method = proxy::McpCounters::kMethods[m];
    histogram(proxy::sum_method(workers, m),
              [&](std::string_view suffix, std::string_view le, auto v) {
                if (le.empty()) {
                  e.sample(suffix, {{"method", method}}, v);
                } else {
                  e.sample(suffix, {{"method", method}, {"le", le}}, v);
                }
              });
  }
}

void MetricsWriter::write_process(const ProcessStats& p, std::string& out) {
  Exposition e(out);
  e.family("mcplb_process_cpu_seconds_total", Type::counter,
           "User and system CPU time spent by the process in seconds.");
  e.sample({}, p.cpu_seconds);
  e.family("mcplb_process_resident_memory_bytes", Type::gauge, "Resident memory size in bytes.");
  e.sample({}, p.resident_bytes);
  e.family("mcplb_process_virtual_memory_bytes", Type::gauge, "Virtual memory size in bytes.");
  e.sample({}, p.virtual_bytes);
  e.family("mcplb_process_open_fds", Type::gauge, "Open file descriptors.");
  e.sample({}, p.open_fds);
  if (p.max_fds != 0) {
    e.family("mcplb_process_max_fds", Type::gauge, "Maximum number of open file descriptors.");
    e.sample({}, p.max_fds);
  }
  if (p.start_time_seconds > 0) {
    e.family("mcplb_process_start_time_seconds", Type::gauge,
             "Start time of the process since the Unix epoch in seconds.");
    e.sample({}, p.start_time_seconds);
  }
}

void MetricsWriter::write(const ScrapeInput& in, std::string& out) {
  Exposition e(out);
  e.family("mcplb_build_info", Type::gauge, "mcplb build information; the value is always 1.");
  e.sample({{"version", in.version}}, uint64_t{1});
  if (in.topology != nullptr) {
    e.family("mcplb_workers", Type::gauge, "Worker threads serving traffic.");
    e.sample({}, uint64_t{in.topology->workers()});
    collect_rows(in);
    write_backends(out);
    write_pools(in, out);
  }
  write_health(in, out);
  write_mcp(in, out);
  write_requests(in, out);
  if (in.process != nullptr) {
    write_process(*in.process, out);
  }
}

}  // namespace mcplb::admin
