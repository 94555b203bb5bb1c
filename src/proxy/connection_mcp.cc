// The MCP half of Connection: what mcplb reads of a request to route it (session tokens,
// the JSON-RPC body, the stateless 2026 headers) and how it rewrites session ids on the way
// in and out. Protocol decisions: src/mcp/README.md and docs/mcp.md.

#include <boost/beast/core/string.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/log.h"
#include "health/checker.h"
#include "mcp/header_check.h"
#include "proxy/connection.h"

namespace mcplb::proxy {

namespace http = boost::beast::http;
namespace asio = net::asio;
using error_code = boost::system::error_code;

namespace {

bool is_json(std::string_view content_type) {
  return content_type.size() >= 16 &&
         boost::beast::iequals(content_type.substr(0, 16), "application/json");
}

/// Finds the value of query parameter `sessionId` in a request target.
std::optional<std::pair<size_t, size_t>> session_param(std::string_view target) {
  size_t q = target.find('?');
  while (q != std::string_view::npos && q + 1 < target.size()) {
    size_t start = q + 1;
    size_t amp = target.find('&', start);
    std::string_view param = target.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (param.substr(0, 10) == "sessionId=") {
      return std::make_pair(start + 10, param.size() - 10);
    }
    q = amp;
  }
  return std::nullopt;
}

// The stateless revision and later carry MCP-Protocol-Version on every request; dates in
// YYYY-MM-DD order compare as strings.
bool is_stateless_revision(std::string_view version) { return version >= "2026-07-28"; }

}  // namespace

RouteQuery Connection::route_query(std::string_view host) const {
  const char* base = req_->base();
  auto header = [&](const std::optional<net::Span>& s) {
    return s ? s->in(base) : std::string_view();
  };
  RouteQuery q;
  q.host = host;
  q.path = path_;
  q.method = req_->method_str.in(base);
  q.mcp_method = header(req_->mcp_method);
  if (q.mcp_method.empty() && inspected_ && w_.inspection.method) {
    q.mcp_method = *w_.inspection.method;
  }
  if (q.mcp_method == "tools/call") {
    q.tool = header(req_->mcp_name);
    if (q.tool.empty() && inspected_ && w_.inspection.name) {
      q.tool = *w_.inspection.name;
    }
  }
  q.headers_arg = this;
  q.header = [](const void* arg, std::string_view name) {
    return static_cast<const Connection*>(arg)->find_header(name);
  };
  return q;
}

const RouteQuery& Connection::count_mcp(const RouteQuery& q) {
  if (!q.mcp_method.empty()) {
    rec_.mcp_method = static_cast<uint8_t>(w_.mcp_counters.count(q.mcp_method, q.tool));
    rec_.set_tool(q.tool);
  }
  return q;
}

std::string_view Connection::find_header(std::string_view name) const {
  // The worker's field scratch still holds this head: callers run before any wait.
  const char* b = req_->base();
  for (size_t i = 0; i < req_->field_count; ++i) {
    const net::FieldRef& f = req_->fields[i];
    if (boost::beast::iequals(f.name.in(b), name)) {
      return f.value.in(b);
    }
  }
  return {};
}

std::optional<McpRefusal> Connection::inspect_mcp() {
  const char* base = req_->base();
  mcp_initialize_ = false;
  inspected_ = false;
  if (req_->method != http::verb::post || !req_->content_type ||
      !is_json(req_->content_type->in(base)) || req_->chunked()) {
    return std::nullopt;  // chunked bodies are relayed uninspected (SDK clients send lengths)
  }
  std::string_view body(in_.data() + hdr_len_, body_used_);
  mcp::Inspection& in = w_.inspection;
  auto status = mcp::inspect(body, req_->is_done(), in);
  inspected_ = status == mcp::InspectStatus::ok || status == mcp::InspectStatus::incomplete;
  if (status == mcp::InspectStatus::parse_error && req_->is_done()) {
    return McpRefusal{mcp::ErrorKind::parse_error, in.detail, "null"};
  }
  if (status == mcp::InspectStatus::invalid_request) {
    return McpRefusal{mcp::ErrorKind::invalid_request, in.detail, "null"};
  }
  if (req_->mcp_protocol_version && is_stateless_revision(req_->mcp_protocol_version->in(base))) {
    auto header = [&](const std::optional<net::Span>& s) {
      return s ? s->in(base) : std::string_view();
    };
    auto check = mcp::check_stateless_headers(in, header(req_->mcp_method),
                                              header(req_->mcp_name),
                                              header(req_->mcp_protocol_version));
    if (check != mcp::HeaderCheck::ok && check != mcp::HeaderCheck::unverifiable &&
        check != mcp::HeaderCheck::not_applicable) {
      return McpRefusal{mcp::ErrorKind::header_mismatch, mcp::to_string(check),
                        in.id.empty() ? std::string_view("null") : in.id};
    }
  }
  mcp_initialize_ = in.is_initialize();
  return std::nullopt;
}

std::optional<McpRefusal> Connection::pin_session(const PoolRt& pool) {
  const char* base = req_->base();
  pinned_ = -1;
  rewrite_query_.reset();
  mcp_delete_ = false;
  need_failover_ = false;
  failed_over_ = false;
  moved_sid_.clear();
  moved_from_.reset();
  std::string_view token;
  bool from_query = false;
  if (req_->mcp_session_id) {
    token = req_->mcp_session_id->in(base);
  } else if (auto p = session_param(req_->target.in(base))) {
    token = req_->target.in(base).substr(p->first, p->second);
    from_query = true;
    rewrite_query_ = net::Span{req_->target.off + static_cast<uint32_t>(p->first),
                               static_cast<uint32_t>(p->second)};
  } else {
    return std::nullopt;
  }
  rec_.session_hash = balance::hash64(token);
  mcp::OpenedToken& t = w_.opened;
  auto err = w_.topo->key_ring().open(token, unix_now(), t);
  if (err != mcp::TokenError::ok) {
    // A sessionId query parameter on some other path may be the application's own.
    if (from_query && path_ != w_.topo->config().mcp.message_path) {
      rewrite_query_.reset();
      return std::nullopt;
    }
    SPDLOG_DEBUG("session token refused: {}", mcp::to_string(err));
    return McpRefusal{mcp::ErrorKind::session_not_found, "Session not found", "null"};
  }
  SessionStore* store = from_query ? nullptr : pool.failover->sessions();
  for (size_t i = 0; i < pool.backends.size(); ++i) {
    if (pool.backends[i]->name == t.backend()) {
      size_t at = i;
      if (store != nullptr) {
        origin_backend_.assign(t.backend());
        origin_sid_.assign(t.session_id());
        if (store->moved_any()) {
          if (auto loc = store->location(origin_backend_, origin_sid_)) {
            at = loc->backend;
            moved_sid_.assign(loc->session_id);
            moved_from_ = std::move(loc);
          }
        }
        // Gone (down, ejected, drained out): move the session before sending anything.
        need_failover_ = session_backend_gone(*pool.backends[at]);
      } else if (pool::drained_out_now(*pool.backends[i], health::steady_now_ns)) {
        // Past the drain deadline the session is over; the client re-initializes elsewhere.
        return McpRefusal{mcp::ErrorKind::session_not_found,
                          "Session not found (backend drained)", "null"};
      }
      pinned_ = static_cast<int>(at);
      mcp_delete_ = req_->method == http::verb::delete_ && !from_query;
      return std::nullopt;
    }
  }
  return McpRefusal{mcp::ErrorKind::session_not_found, "Session not found (backend left the pool)",
                    "null"};
}

void Connection::write_target(HeadWriter& h) {
  std::string_view target = req_->target.in(req_->base());
  if (!rewrite_query_) {
    h.put(target);
    return;
  }
  size_t off = rewrite_query_->off - req_->target.off;
  h.put(target.substr(0, off)).put(w_.opened.session_id());
  h.put(target.substr(off + rewrite_query_->len));
}

bool Connection::write_session_header(HeadWriter& h, std::string_view name,
                                      std::string_view backend_id) {
  // Backend -> client: the backend's id sealed with the backend's name.
  std::string& sealed = w_.seal_buf;
  const auto& backend = *w_.pools[static_cast<size_t>(pool_)].rt->backends[backend_];
  auto err = w_.topo->key_ring().seal(backend.name, backend_id, unix_now(), sealed);
  if (err != mcp::SealError::ok) {
    spdlog::warn("backend {}: cannot seal its session id: {}", backend.name, mcp::to_string(err));
    return false;
  }
  h.put(name).put(": ").put(sealed).put("\r\n");
  return true;
}

void Connection::hold_session(const PoolRt& pool, bool claimed) {
  pool::Backend& b = *pool.backends[backend_];
  if (!claimed) {
    b.sessions.fetch_add(1, std::memory_order_relaxed);
  }
  session_claim_ = &b;
}

void Connection::release_session() {
  if (session_claim_ != nullptr) {
    session_claim_->sessions.fetch_sub(1, std::memory_order_relaxed);
    session_claim_ = nullptr;
  }
}

void Connection::count_session(unsigned status) {
  if (status < 200 || status >= 300) {
    return;  // a failed initialize created nothing: release_session() undoes the claim
  }
  auto& b = *w_.pools[static_cast<size_t>(pool_)].rt->backends[backend_];
  SessionStore* store = w_.pools[static_cast<size_t>(pool_)].rt->failover->sessions();
  if (mcp_initialize_ && resp_->mcp_session_id) {
    session_claim_ = nullptr;  // the session lives on after this request
    if (store != nullptr && !init_body_.empty()) {
      store->remember(b.name, resp_->mcp_session_id->in(resp_->base()), init_body_);
    }
  } else if (mcp_delete_) {
    b.sessions.fetch_sub(1, std::memory_order_relaxed);
    if (store != nullptr) {
      store->forget(origin_backend_, origin_sid_);
      if (!moved_sid_.empty()) {
        store->forget(b.name, moved_sid_);
      }
    }
  }
  // An old-transport stream keeps its claim until the stream ends: that is its session.
}

}  // namespace mcplb::proxy

namespace mcplb::proxy {

namespace {

/// In the first SSE event of an old-transport stream, `event: endpoint` + `data: URL`,
/// replaces the URL's sessionId value via `seal`. False when the event is not an endpoint.
template <class Seal>
bool rewrite_endpoint_event(std::string& event, Seal&& seal) {
  if (event.find("event: endpoint") == std::string::npos &&
      event.find("event:endpoint") == std::string::npos) {
    return false;
  }
  size_t data = event.find("data:");
  if (data == std::string::npos) {
    return false;
  }
  size_t eol = event.find_first_of("\r\n", data);
  size_t key = event.find("sessionId=", data);
  if (key == std::string::npos || key > eol) {
    return false;
  }
  size_t start = key + 10;
  size_t end = event.find_first_of("&\r\n#", start);
  std::string token;
  if (!seal(std::string_view(event).substr(start, end - start), token)) {
    return false;
  }
  event.replace(start, end - start, token);
  return true;
}

void append_chunk(std::string& out, std::string_view data, bool chunked) {
  if (data.empty()) {
    return;
  }
  if (chunked) {
    char size[20];
    int n = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    out.append(size, static_cast<size_t>(n));
  }
  out.append(data);
  if (chunked) {
    out.append("\r\n");
  }
}

constexpr size_t kMaxEndpointEvent = 4096;

}  // namespace

net::Task<bool> Connection::relay_endpoint_stream() {
  // The old HTTP+SSE transport (2024-11-05) names its POST URL, with the backend's session
  // id, in the stream's first event. That id is sealed like an Mcp-Session-Id, so the body
  // is decoded and re-framed here (legacy traffic: a small allocation per stream is fine).
  const auto& to = w_.pools[static_cast<size_t>(pool_)].rt->cfg.timeouts;
  const auto& backend = *w_.pools[static_cast<size_t>(pool_)].rt->backends[backend_];
  bool chunked = resp_->chunked();
  std::string decoded;
  std::string wire;
  bool rewritten = false;
  resp_->body_sink = &decoded;
  // Body bytes that came with the head were parsed raw already: parse them again decoded.
  // (relay_response left them unconsumed in out_ for this mode.)
  for (;;) {
    if (!out_.empty()) {
      error_code pec;
      size_t used = resp_->put(asio::buffer(out_.data(), out_.size()), pec);
      if (!net::ok_or_more(pec)) {
        co_return false;
      }
      out_.consume(used);
    }
    wire.clear();
    if (!rewritten) {
      size_t end = decoded.find("\n\n");
      if (end == std::string::npos) {
        end = decoded.find("\r\n\r\n");
      }
      if (end != std::string::npos || decoded.size() > kMaxEndpointEvent || resp_->is_done()) {
        rewritten = true;
        rewrite_endpoint_event(decoded, [&](std::string_view id, std::string& out) {
          return w_.topo->key_ring().seal(backend.name, id, unix_now(), out) ==
                 mcp::SealError::ok;
        });
        append_chunk(wire, decoded, chunked);
        decoded.clear();
      }
    } else {
      append_chunk(wire, decoded, chunked);
      decoded.clear();
    }
    if (resp_->is_done() && chunked) {
      wire.append("0\r\n\r\n");
    }
    if (!wire.empty()) {
      phase_ = Phase::client_send;
      arm(w_.topo->config().client.send_timeout);
      if (co_await send(client_, wire.data(), wire.size())) {
        co_return false;
      }
    }
    if (resp_->is_done()) {
      co_return true;
    }
    phase_ = Phase::stream_wait;
    arm(to.idle_stream);
    out_.ensure();
    out_.compact();
    auto [ec, n] = co_await up_->sock.async_read_some(
        asio::buffer(out_.space(), out_.space_size()), net::use_task);
    if (ec || n == 0) {
      if (n == 0 && resp_->need_eof()) {
        co_return true;
      }
      co_return false;
    }
    out_.commit(n);
  }
}

}  // namespace mcplb::proxy
