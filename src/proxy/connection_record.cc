// The end of a request: what it did goes to the worker's metrics and access log.

#include <boost/beast/http/verb.hpp>

#include "proxy/connection.h"

namespace mcplb::proxy {

void Connection::end_request() {
  rec_.pool = pool_;
  const bool stats = w_.record_requests;
  const AccessLog* log = w_.access_log;
  if (!stats && log == nullptr) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const int64_t duration_ns = std::chrono::nanoseconds(now - rec_.start).count();
  if (stats) {
    w_.request_stats.record(rec_, duration_ns);
  }
  if (log == nullptr) {
    return;
  }
  AccessEntry e;
  e.unix_ns =
      std::chrono::nanoseconds(std::chrono::system_clock::now().time_since_epoch()).count() -
      duration_ns;
  e.client = std::string_view(client_ip_, client_ip_len_);
  if (rec_.pool >= 0 && static_cast<size_t>(rec_.pool) < w_.pools.size()) {
    const PoolRt& p = *w_.pools[static_cast<size_t>(rec_.pool)].rt;
    e.pool = p.cfg.name;
    if (rec_.backend >= 0 && static_cast<size_t>(rec_.backend) < p.backends.size()) {
      e.backend = p.backends[static_cast<size_t>(rec_.backend)]->name;
    }
  }
  if (rec_.http_method != boost::beast::http::verb::unknown) {
    e.method = boost::beast::http::to_string(rec_.http_method);
  }
  if (rec_.mcp_method < McpCounters::kMethods.size()) {
    e.mcp_method = McpCounters::kMethods[rec_.mcp_method];
  }
  e.tool = rec_.tool_name();
  e.status = rec_.status;
  e.origin = rec_.origin;
  e.bytes_in = rec_.bytes_in;
  e.bytes_out = rec_.bytes_out;
  e.duration_ns = duration_ns;
  e.session_hash = rec_.session_hash;
  e.retries = rec_.retries;
  e.failover = rec_.failover;
  w_.access_writer.write(*log, e);
}

}  // namespace mcplb::proxy
