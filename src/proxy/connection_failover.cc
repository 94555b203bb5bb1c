// Transparent session failover and safe retries (docs/operations.md, "Failover"):
// when a session's backend is gone, the session is opened again on a healthy backend by
// replaying the client's initialize and notifications/initialized, and the request goes on
// there under the client's unchanged token. A request that failed after it was sent is
// retried elsewhere only when running it twice is harmless.

#include <fmt/format.h>

#include <boost/beast/core/string.hpp>

#include "core/log.h"
#include "health/checker.h"
#include "health/jsonrpc_reply.h"
#include "health/probe_client.h"
#include "mcp/replay.h"
#include "proxy/connection.h"
#include "proxy/mcp_counters.h"

namespace mcplb::proxy {

namespace asio = net::asio;
using error_code = boost::system::error_code;

namespace {

bool is_method(uint8_t index, std::string_view name) {
  return index < McpCounters::kMethods.size() && McpCounters::kMethods[index] == name;
}

/// Request headers that describe the client's request, not the client: the replayed
/// initialize and notification write their own.
bool replay_skips(std::string_view name) {
  static constexpr std::string_view kSkip[] = {
      "mcp-session-id", "content-length", "content-type",  "accept",          "transfer-encoding",
      "mcp-method",     "mcp-name",       "last-event-id", "mcp-protocol-version", "expect",
      "connection",     "keep-alive",     "te",            "upgrade"};
  for (auto s : kSkip) {
    if (boost::beast::iequals(name, s)) {
      return true;
    }
  }
  return false;
}

struct Acceptable {
  const PoolRt* pool;
  size_t from;
  uint64_t tried;  // bitmask of backends that failed this failover (first 64)
  int64_t now_ns;
};

bool acceptable_target(const void* arg, size_t i) {
  const auto* a = static_cast<const Acceptable*>(arg);
  return i != a->from && (i >= 64 || ((a->tried >> i) & 1u) == 0) &&
         a->pool->backends[i]->ready(a->now_ns);
}

}  // namespace

bool Connection::session_backend_gone(const pool::Backend& b) const {
  const int64_t now = now_ns();
  return b.state.load(std::memory_order_relaxed) == pool::BackendState::unhealthy ||
         b.ejected_until_ns.load(std::memory_order_relaxed) > now ||
         pool::drained_out_now(b, health::steady_now_ns);
}

void Connection::reparse_head() {
  // Other connections parsed their heads into the worker's shared field scratch while this
  // one waited: parse ours again from the bytes still in in_.
  const auto& limits = w_.topo->config().client;
  req_.emplace(in_.data(), in_.capacity(), w_.scratch_fields);
  req_->eager(false);
  req_->header_limit(limits.max_header_bytes);
  req_->body_limit(boost::none);
  error_code ec;
  req_->put(asio::buffer(in_.data(), hdr_len_), ec);
  req_->eager(true);
  req_->put(asio::buffer(in_.data() + hdr_len_, body_used_), ec);
}

std::string Connection::replay_head(const PoolRt& pool, size_t backend) {
  // The upstream prefix in hdr_ is our own copy of the client's request line and headers.
  std::string_view prefix(hdr_.space(), prefix_len_);
  size_t eol = prefix.find("\r\n");
  std::string_view line = prefix.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  std::string_view target =
      sp1 == std::string_view::npos || sp2 <= sp1 ? "/" : line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  std::string head = fmt::format("POST {} HTTP/1.1\r\n", target);
  size_t pos = eol == std::string_view::npos ? prefix.size() : eol + 2;
  while (pos < prefix.size()) {
    size_t end = prefix.find("\r\n", pos);
    if (end == std::string_view::npos) {
      break;
    }
    std::string_view field = prefix.substr(pos, end - pos);
    std::string_view name = field.substr(0, field.find(':'));
    if (!replay_skips(name)) {
      head.append(field).append("\r\n");
    }
    pos = end + 2;
  }
  if (!w_.topo->config().forwarding.preserve_host) {
    head.append("Host: ").append(pool.backends[backend]->address).append("\r\n");
  }
  head.append("Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n");
  return head;
}

net::Task<bool> Connection::fail_over(WorkerPool& wp, std::string_view why) {
  const PoolRt& rt = *wp.rt;
  SessionStore* store = rt.failover->sessions();
  if (store == nullptr || pinned_ < 0 || failed_over_) {
    co_return false;
  }
  failed_over_ = true;
  const size_t from = static_cast<size_t>(pinned_);
  const auto started = Clock::now();
  auto init = store->initialize_of(origin_backend_, origin_sid_);
  std::string body;
  if (!init || !mcp::replay_initialize_body(*init, body)) {
    spdlog::warn("session on {} cannot fail over ({}): its initialize is not in the session store",
                 rt.backends[from]->name, why);
    co_return false;
  }
  // Named locals, not temporaries, across co_await (GCC 12).
  const std::string head = replay_head(rt, from);
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      rt.cfg.timeouts.connect + std::min<config::Duration>(rt.cfg.timeouts.read,
                                                            config::Duration(10'000)));
  Acceptable arg{&rt, from, 0, now_ns()};
  balance::PickContext ctx;
  ctx.acceptable_arg = &arg;
  ctx.acceptable = &acceptable_target;
  ctx.worker = w_.index;
  ctx.now_ns = arg.now_ns;
  ctx.new_session = true;
  health::ReplyReader json;
  std::optional<size_t> to;
  std::string new_sid;
  std::string failure;
  for (size_t attempt = 0; attempt < rt.backends.size(); ++attempt) {
    auto idx = wp.policy->pick(ctx);
    if (!idx) {
      break;
    }
    const bool claimed = wp.policy->claims_sessions();
    pool::Backend& target = *rt.backends[*idx];
    if (!claimed) {
      target.sessions.fetch_add(1, std::memory_order_relaxed);
    }
    health::ProbeClient client(w_.io.get_executor(), rt.endpoints[*idx], timeout);
    const std::string initialize =
        fmt::format("{}Content-Length: {}\r\n\r\n{}", head, body.size(), body);
    const health::EventFilter answers = [&json](std::string_view data) {
      return json.read(data, mcp::kReplayInitializeId).valid;
    };
    health::Response r;
    std::string err =
        co_await client.exchange(initialize, health::BodyMode::message, &answers, r);
    health::RpcReply reply;
    if (err.empty()) {
      reply = json.read(r.body, mcp::kReplayInitializeId);
      if (r.status != 200 || !reply.valid || !reply.has_result || r.session_id.empty()) {
        err = fmt::format("initialize answered status {}{}", r.status,
                          r.session_id.empty() ? " without a session id" : "");
      }
    }
    if (err.empty()) {
      std::string version = reply.protocol_version;
      static constexpr std::string_view kInitialized =
          R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
      const std::string initialized = fmt::format(
          "{}Mcp-Session-Id: {}\r\nMCP-Protocol-Version: {}\r\nContent-Length: {}\r\n\r\n{}",
          head, r.session_id, version, kInitialized.size(), kInitialized);
      health::Response r2;
      err = co_await client.exchange(initialized, health::BodyMode::status_only, nullptr, r2);
      if (err.empty() && r2.status / 100 != 2) {
        err = fmt::format("notifications/initialized answered status {}", r2.status);
      }
    }
    if (err.empty()) {
      to = *idx;
      new_sid = std::move(r.session_id);
      break;
    }
    target.sessions.fetch_sub(1, std::memory_order_relaxed);
    failure = fmt::format("{}: {}", target.name, err);
    if (*idx < 64) {
      arg.tried |= uint64_t{1} << *idx;
    }
  }
  if (!to) {
    spdlog::warn("session on {} cannot fail over ({}): {}", rt.backends[from]->name, why,
                 failure.empty() ? "no healthy backend" : failure);
    co_return false;
  }
  auto now = store->move(origin_backend_, origin_sid_, moved_from_,
                         SessionStore::Location{*to, new_sid});
  if (now.backend != *to || now.session_id != new_sid) {
    // A concurrent request of this session moved it first: follow it (ours is left unused).
    rt.backends[*to]->sessions.fetch_sub(1, std::memory_order_relaxed);
  } else {
    rt.backends[from]->sessions.fetch_sub(1, std::memory_order_relaxed);
    // A token naming the new session (backends that echo Mcp-Session-Id re-issue it) can
    // move again too.
    store->remember(rt.backends[*to]->name, new_sid, *init);
  }
  pinned_ = static_cast<int>(now.backend);
  moved_sid_ = now.session_id;
  moved_from_ = now;
  pool::bump(rt.backends[from]->stats->slot(w_.index).failovers, uint64_t{1});
  rec_.failover = true;
  const auto ms =
      std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  spdlog::info("session failover: {} -> {} ({}), initialize replayed in {:.1f} ms",
               rt.backends[from]->name, rt.backends[now.backend]->name, why, ms);
  reparse_head();
  co_return build_upstream_prefix();
}

bool Connection::may_retry(WorkerPool& wp) {
  if (!replay_ok_ || response_started_ || retry_slot_) {
    return false;
  }
  const uint8_t m = rec_.mcp_method;
  bool safe = false;
  if (is_method(m, "tools/call")) {
    safe = wp.rt->failover->tool_safe(rec_.tool_name());
  } else {
    // Reads: answering them twice changes nothing on the server.
    for (std::string_view r : {"initialize", "ping", "tools/list", "resources/list",
                               "resources/read", "resources/templates/list", "prompts/list",
                               "prompts/get", "completion/complete", "server/discover"}) {
      safe = safe || is_method(m, r);
    }
  }
  if (!safe) {
    return false;
  }
  if (pinned_ >= 0 && (wp.rt->failover->sessions() == nullptr || failed_over_)) {
    return false;  // the session lives only there
  }
  int64_t in_flight = 0;
  for (const auto& b : wp.rt->backends) {
    in_flight += b->stats->in_flight();
  }
  if (!wp.rt->failover->begin_retry(in_flight)) {
    SPDLOG_DEBUG("pool {}: retry budget spent", wp.rt->cfg.name);
    return false;
  }
  retry_slot_ = true;
  pool::bump(slot_->retries, uint64_t{1});
  ++rec_.retries;
  return true;
}

void Connection::end_retry(const PoolRt& pool) {
  if (retry_slot_) {
    pool.failover->end_retry();
    retry_slot_ = false;
  }
}

void Connection::learn_tools(const PoolRt& pool, bool event_stream) {
  if (!tools_body_.empty()) {
    [[maybe_unused]] size_t n = mcp::read_tool_hints(
        tools_body_, event_stream,
        [&](std::string_view name, bool safe) { pool.failover->learn_tool(name, safe); });
    SPDLOG_DEBUG("pool {}: learned annotations of {} tools", pool.cfg.name, n);
  }
  tools_body_.clear();
}

}  // namespace mcplb::proxy
