#include "proxy/connection.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <cstring>

#include "mcp/error.h"
#include "proxy/edge.h"

#include "core/log.h"
#include "proxy/head_writer.h"
#include "proxy/passive_health.h"
#include "proxy/pick_rules.h"

namespace mcplb::proxy {

namespace asio = net::asio;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;

namespace {

std::string_view path_of(std::string_view target) {
  // absolute-form ("http://host/p?q") as well as origin-form ("/p?q")
  if (!target.empty() && target.front() != '/') {
    if (auto scheme = target.find("://"); scheme != std::string_view::npos) {
      auto slash = target.find('/', scheme + 3);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  return target.substr(0, target.find('?'));
}


struct Tried {
  std::array<uint64_t, 4> bits{};
  bool has(size_t i) const { return i < 256 && ((bits[i / 64] >> (i % 64)) & 1u) != 0; }
  void add(size_t i) {
    if (i < 256) {
      bits[i / 64] |= uint64_t{1} << (i % 64);
    }
  }
};

struct PickArg {
  const Tried* tried;
  const PoolRt* pool;
  int64_t now_ns;
  bool panic = false;  // no backend is ready: every untried one is acceptable
  int64_t limit = 0;   // overload.max_in_flight; 0 = none
};


bool acceptable(const void* arg, size_t i) {
  const auto* a = static_cast<const PickArg*>(arg);
  const auto& b = *a->pool->backends[i];
  return !a->tried->has(i) && (a->panic || b.ready(a->now_ns)) && below_limit(b, a->limit);
}

}  // namespace

Connection::Connection(Worker& w, net::Socket sock, ListenerShared* listener)
    : w_(w),
      client_(std::move(sock)),
      listener_(listener),
      in_(w.buffers),
      out_(w.buffers),
      hdr_(w.buffers) {
  error_code ec;
  auto ep = client_.remote_endpoint(ec);
  if (!ec) {
    const auto addr = ep.address();
    if (addr.is_v4()) {
      peer_ip_ = asio::ip::make_address_v6(asio::ip::v4_mapped, addr.to_v4()).to_bytes();
    } else {
      peer_ip_ = addr.to_v6().to_bytes();
    }
    auto s = addr.to_string();
    client_ip_len_ = static_cast<uint8_t>(std::min(s.size(), sizeof(client_ip_) - 1));
    std::memcpy(client_ip_, s.data(), client_ip_len_);
  }
  client_.set_option(net::tcp::no_delay(true), ec);
  client_.non_blocking(true, ec);
  w_.link(this);
}

Connection::~Connection() {
  finish_upstream(false);
  w_.unlink(this);
  listener_->open.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::close_client() {
  error_code ec;
  client_.shutdown(net::tcp::socket::shutdown_send, ec);
  client_.close(ec);
}

void Connection::on_deadline() {
  stop_ = Stop::timeout;
  deadline_ = Clock::time_point::max();
  error_code ec;
  client_.cancel(ec);
  if (up_) {
    up_->sock.cancel(ec);
  }
}

void Connection::on_drain() {
  if (phase_ == Phase::idle || phase_ == Phase::stream_wait) {
    stop_ = Stop::drain;
    error_code ec;
    client_.cancel(ec);
    if (up_) {
      up_->sock.cancel(ec);
    }
  }
}

bool Connection::client_gone() {
  char c;
  ssize_t n = ::recv(client_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

void Connection::check_client_gone() {
  if (client_gone()) {
    stop_ = Stop::peer_gone;
    error_code ec;
    if (up_) {
      up_->sock.cancel(ec);
    }
    client_.cancel(ec);
  }
}

void Connection::fail_backend(std::string_view what) {
  pool::bump(slot_->failures, uint64_t{1});
  record_failure(*w_.pools[static_cast<size_t>(pool_)].rt, backend_, now_ns(), what);
}

void Connection::finish_upstream(bool reusable) {
  if (in_flight_) {
    pool::bump(slot_->in_flight, int64_t{-1});
    in_flight_ = false;
  }
  release_limit();
  if (!up_) {
    return;
  }
  UpstreamPool& p = *w_.pools[static_cast<size_t>(pool_)].upstream[backend_];
  if (reusable && !w_.draining) {
    p.put_back(std::move(up_), w_.now);
  } else {
    p.discard(std::move(up_));
  }
}

net::Task<void> Connection::run() {
  // (GCC 12 miscompiles co_await inside a loop condition: keep it in the body.)
  for (;;) {
    bool keep = co_await serve_one();
    if (!keep || w_.draining) {
      break;
    }
  }
  close_client();
}

net::Task<bool> Connection::serve_one() {
  pool_ = -1;
  rec_.origin = Origin::none;
  if (!co_await read_head()) {
    if (rec_.origin != Origin::none) {
      end_request();  // a refused head (400, 431) is a request answered too
    }
    co_return false;
  }
  rec_.begin(Clock::now());
  rec_.http_method = req_->method;
  rec_.bytes_in = in_.size();  // head and what came with it; body reads add the rest
  // Parse what already arrived of the body, so short requests are complete right here.
  req_->eager(true);
  body_used_ = 0;
  if (!req_->is_done()) {
    error_code ec;
    body_used_ = req_->put(asio::buffer(in_.data() + hdr_len_, in_.size() - hdr_len_), ec);
    if (!net::ok_or_more(ec)) {
      bool keep = co_await reply_parse_error(net::classify(ec, req_->head_error));
      end_request();
      co_return keep;
    }
  }
  if (!req_->is_done() && body_used_ < w_.topo->config().mcp.max_inspect_bytes &&
      req_->method == http::verb::post && req_->content_type && !req_->chunked()) {
    bool peeked = co_await peek_body();
    if (!peeked) {
      if (rec_.origin != Origin::none) {
        end_request();  // a malformed body was refused
      }
      co_return false;
    }
  }
  const char* base = req_->base();
  std::string_view host = req_->host ? req_->host->in(base) : std::string_view();
  path_ = path_of(req_->target.in(base));
  old_sse_ = req_->method == http::verb::get && path_ == w_.topo->config().mcp.sse_path;
  bool keep;
  const auto& mcfg = w_.topo->config().mcp;
  std::string_view origin = req_->origin ? req_->origin->in(base) : std::string_view();
  cors_headers_.clear();
  append_cors_headers(cors_headers_, mcfg.cors, origin, false, {});
  if (!host_allowed(mcfg.allowed_hosts, host)) {
    keep = co_await reply_error({mcp::ErrorKind::forbidden, "Host not allowed", "null"}, false);
  } else if (!origin_allowed(mcfg.allowed_origins, origin)) {
    keep = co_await reply_error({mcp::ErrorKind::forbidden, "Origin not allowed", "null"}, false);
  } else if (mcfg.cors.enabled && !origin.empty() && req_->method == http::verb::options &&
             !find_header("access-control-request-method").empty()) {
    keep = co_await reply_preflight(origin);
  } else if (auto refusal = inspect_mcp()) {
    keep = co_await reply_error(*refusal, false);
  } else if (pool_ = w_.topo->route(count_mcp(route_query(host))); pool_ < 0) {
    keep = co_await reply_error({mcp::ErrorKind::no_route, "no route for this request", "null"}, false);
  } else if (auto refused = pin_session(*w_.pools[static_cast<size_t>(pool_)].rt)) {
    keep = co_await reply_error(*refused, false);
  } else {
    keep = co_await forward_request();
  }
  finish_upstream(false);
  if (pool_ >= 0) {
    end_retry(*w_.pools[static_cast<size_t>(pool_)].rt);
  }
  end_request();
  release_session();  // a new session whose response did not create one (or an old-SSE stream)
  req_.reset();
  resp_.reset();
  hdr_.release_if_empty();
  out_.release_if_empty();
  sent_ahead_ = 0;
  ++requests_;
  co_return keep;
}

net::Task<bool> Connection::read_head() {
  const auto& limits = w_.topo->config().client;
  phase_ = Phase::idle;
  stop_ = Stop::none;
  arm(requests_ == 0 ? limits.header_timeout : limits.idle_timeout);
  in_.ensure();
  in_.compact();
  req_.emplace(in_.data(), in_.capacity(), w_.scratch_fields);
  req_->eager(false);
  req_->header_limit(limits.max_header_bytes);
  if (limits.max_body_bytes > 0) {
    req_->body_limit(limits.max_body_bytes);
  } else {
    req_->body_limit(boost::none);
  }
  for (;;) {
    if (!in_.empty()) {
      error_code ec;
      size_t used = req_->put(asio::buffer(in_.data(), in_.size()), ec);
      // Errors first: a check in on_header_impl fails a head Beast already calls done.
      if (!net::ok_or_more(ec)) {
        rec_.begin(Clock::now());
        rec_.bytes_in = in_.size();
        co_return co_await reply_parse_error(net::classify(ec, req_->head_error));
      }
      if (req_->is_header_done()) {
        hdr_len_ = used;  // the head stays in in_ until it is forwarded: req_ points into it
        co_return true;
      }
    }
    if (in_.space_size() == 0) {
      rec_.begin(Clock::now());
      rec_.bytes_in = in_.size();
      co_return co_await reply_parse_error(net::HeadError::too_large);
    }
    auto [ec, n] =
        co_await client_.async_read_some(asio::buffer(in_.space(), in_.space_size()), net::use_task);
    if (ec || n == 0) {
      co_return false;  // closed, reset, idle timeout, slowloris header timeout or drain
    }
    if (phase_ == Phase::idle) {
      phase_ = Phase::head;
      arm(limits.header_timeout);
    }
    in_.commit(n);
  }
}

net::Task<bool> Connection::peek_body() {
  const auto& limits = w_.topo->config().client;
  const size_t want = w_.topo->config().mcp.max_inspect_bytes;
  phase_ = Phase::head;
  arm(limits.header_timeout);
  while (!req_->is_done() && body_used_ < want && in_.space_size() > 0) {
    auto [ec, n] =
        co_await client_.async_read_some(asio::buffer(in_.space(), in_.space_size()), net::use_task);
    if (ec || n == 0) {
      co_return false;
    }
    in_.commit(n);
    rec_.bytes_in += n;
    error_code pec;
    body_used_ += req_->put(
        asio::buffer(in_.data() + hdr_len_ + body_used_, in_.size() - hdr_len_ - body_used_), pec);
    if (!net::ok_or_more(pec)) {
      co_return co_await reply_parse_error(net::classify(pec, req_->head_error));
    }
  }
  // Other connections may have parsed heads into the shared scratch meanwhile.
  reparse_head();
  co_return true;
}

net::Task<bool> Connection::reply_error(const McpRefusal& r, bool close) {
  const auto& info = mcp::error_info(r.kind);
  if (response_started_) {
    co_return false;  // the client already has part of a response: closing is all we can do
  }
  // A body we did not read would be taken for the next request: close instead.
  close = close || !req_ || !req_->is_done() || w_.draining;
  if (info.http_status >= 500) {
    spdlog::warn("{} {} -> {} ({})", std::string_view(client_ip_, client_ip_len_), path_,
                 info.http_status, r.message);
  } else {
    SPDLOG_DEBUG("{} refused: {} {}", std::string_view(client_ip_, client_ip_len_), info.name,
                 r.message);
  }
  rec_.status = info.http_status;
  rec_.origin = Origin::mcplb;
  std::string& text = w_.seal_buf;
  text.clear();
  mcp::HttpErrorOptions opts;
  opts.close = close;
  if (info.http_status == 503) {
    opts.retry_after_seconds =
        pool_ >= 0 ? w_.pools[static_cast<size_t>(pool_)].rt->cfg.overload.retry_after_seconds : 1;
  }
  mcp::append_http_error_response(text, r.kind, r.message, r.id, opts);
  co_return co_await send_own_response(text, close);
}

net::Task<bool> Connection::send_own_response(const std::string& text, bool close) {
  // `text` is worker scratch: copy it into our own buffer before anything yields.
  hdr_.ensure();
  size_t n = std::min(text.size(), hdr_.space_size());
  std::memcpy(hdr_.space(), text.data(), n);
  phase_ = Phase::client_send;
  arm(w_.topo->config().client.send_timeout);
  auto ec = co_await send(client_, hdr_.space(), n);
  if (!close && req_) {
    in_.consume(hdr_len_ + body_used_);
  }
  co_return !ec && !close;
}

net::Task<bool> Connection::reply_preflight(std::string_view origin) {
  rec_.status = 204;
  rec_.origin = Origin::mcplb;
  std::string& text = w_.seal_buf;
  text.assign("HTTP/1.1 204 No Content\r\n");
  append_cors_headers(text, w_.topo->config().mcp.cors, origin, true,
                      find_header("access-control-request-headers"));
  text.append("Content-Length: 0\r\n\r\n");
  co_return co_await send_own_response(text, !req_->is_done() || !req_->keep_alive());
}

net::Task<bool> Connection::reply_parse_error(net::HeadError kind) {
  SPDLOG_DEBUG("client {}: refused request ({})", std::string_view(client_ip_, client_ip_len_),
               static_cast<int>(kind));
  switch (kind) {
    case net::HeadError::too_large:
      co_return co_await reply_error({mcp::ErrorKind::header_too_large, "request head too large", "null"}, true);
    case net::HeadError::body_too_large:
      co_return co_await reply_error({mcp::ErrorKind::body_too_large, "request body too large", "null"}, true);
    default:
      co_return co_await reply_error({mcp::ErrorKind::invalid_request, "malformed HTTP request", "null"}, true);
  }
}

net::Task<error_code> Connection::send(net::Socket& s, const char* a, size_t an, const char* b,
                                       size_t bn) {
  // Try the socket first: most writes fit its buffer and complete with no reactor round trip.
  std::array<asio::const_buffer, 2> bufs{asio::buffer(a, an), asio::buffer(b, bn)};
  if (&s == &client_) {
    rec_.bytes_out += an + bn;
  }
  error_code ec;
  size_t n = an + bn == 0 ? 0 : s.write_some(bufs, ec);
  if (!ec && n == an + bn) {
    co_return ec;
  }
  if (ec && ec != asio::error::would_block) {
    co_return ec;
  }
  if (n < an) {
    bufs[0] = asio::buffer(a + n, an - n);
  } else {
    bufs[0] = asio::buffer(b + (n - an), bn - (n - an));
    bufs[1] = asio::const_buffer();
  }
  auto [ec2, m] = co_await asio::async_write(s, bufs, net::use_task);
  (void)m;
  co_return ec2;
}

bool Connection::build_upstream_prefix() {
  const char* base = req_->base();
  const auto& fwd = w_.topo->config().forwarding;
  hdr_.ensure();
  HeadWriter h(hdr_.space(), hdr_.space_size());
  h.put(req_->method_str.in(base)).put(" ");
  write_target(h);
  h.put(req_->version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  for (size_t i = 0; i < req_->field_count; ++i) {
    const net::FieldRef& f = req_->fields[i];
    if (f.drop || (f.id == http::field::host && !fwd.preserve_host)) {
      continue;
    }
    if (pinned_ >= 0 && req_->mcp_session_id && f.value.off == req_->mcp_session_id->off) {
      h.put(f.name.in(base)).put(": ");
      h.put(moved_sid_.empty() ? w_.opened.session_id() : std::string_view(moved_sid_));
      h.put("\r\n");
      continue;  // the client's token becomes the backend's own session id again
    }
    h.put(f.name.in(base)).put(": ").put(f.value.in(base)).put("\r\n");
  }
  if (req_->saw_content_length) {
    h.put("Content-Length: ").put(req_->content_length().value_or(0)).put("\r\n");
  }
  if (fwd.x_forwarded) {
    h.put("X-Forwarded-For: ");
    for (size_t i = 0; i < req_->xff_count; ++i) {
      h.put(req_->x_forwarded_for[i]->in(base)).put(", ");
    }
    h.put(std::string_view(client_ip_, client_ip_len_)).put("\r\nX-Forwarded-Proto: http\r\n");
    if (req_->host) {
      h.put("X-Forwarded-Host: ").put(req_->host->in(base)).put("\r\n");
    }
  }
  if (h.overflow()) {
    return false;
  }
  prefix_len_ = h.size();
  return true;
}

bool Connection::finish_upstream_head(const PoolRt& pool) {
  HeadWriter h(hdr_.space() + prefix_len_, hdr_.space_size() - prefix_len_);
  if (!w_.topo->config().forwarding.preserve_host) {
    h.put("Host: ").put(pool.backends[backend_]->address).put("\r\n");
  }
  h.put("\r\n");
  head_out_len_ = prefix_len_ + h.size();
  return !h.overflow();
}

net::Task<bool> Connection::open_upstream(WorkerPool& wp, bool fresh) {
  if (!fresh) {
    up_ = wp.upstream[backend_]->take(w_.now);
    if (up_) {
      co_return true;
    }
  }
  const PoolRt& rt = *wp.rt;
  up_ = std::make_unique<UpstreamConn>(w_.io.get_executor());
  phase_ = Phase::connect;
  arm(rt.cfg.timeouts.connect);
  auto [ec] = co_await up_->sock.async_connect(rt.endpoints[backend_], net::use_task);
  if (ec) {
    spdlog::warn("backend {} ({}): connect failed: {}", rt.backends[backend_]->name,
                 rt.backends[backend_]->address,
                 stop_ == Stop::timeout ? "timed out" : ec.message());
    fail_backend(stop_ == Stop::timeout ? "connect timed out" : "connect failed");
    up_.reset();
    co_return false;
  }
  error_code ignored;
  up_->sock.set_option(net::tcp::no_delay(true), ignored);
  up_->sock.non_blocking(true, ignored);
  wp.upstream[backend_]->on_connected();
  co_return true;
}

net::Task<bool> Connection::send_request_start() {
  phase_ = Phase::upstream_send;
  arm(w_.pools[static_cast<size_t>(pool_)].rt->cfg.timeouts.read);
  auto ec = co_await send(up_->sock, hdr_.space(), head_out_len_, in_.data() + hdr_len_, body_used_);
  co_return !ec;
}

net::Task<bool> Connection::forward_request() {
  WorkerPool& wp = w_.pools[static_cast<size_t>(pool_)];
  const PoolRt& rt = *wp.rt;
  if (!build_upstream_prefix()) {
    co_return co_await reply_error({mcp::ErrorKind::header_too_large, "request head too large", "null"}, true);
  }
  // Placement reads the head: before the first yield, after which the worker's field
  // scratch may hold another connection's head.
  const std::optional<uint64_t> hash = placement_hash(rt);
  const int sticky = sticky_backend(rt);
  if (req_->expect_continue && !req_->is_done() && body_used_ == 0) {
    static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
    if (co_await send(client_, k100.data(), k100.size())) {
      co_return false;
    }
  }
  replay_ok_ = req_->is_done();
  init_body_.clear();
  if (mcp_initialize_ && pinned_ < 0 && replay_ok_ && rt.failover->sessions() != nullptr) {
    init_body_.assign(in_.data() + hdr_len_, body_used_);  // kept if a session is made
  }
  if (need_failover_) {
    bool moved = co_await fail_over(wp, "backend gone");
    if (!moved) {
      co_return co_await reply_error({mcp::ErrorKind::session_not_found,
                                      "Session not found (backend unavailable)", "null"},
                                     false);
    }
  }
  const uint32_t limit = rt.cfg.overload.max_in_flight;
  if (limit > 0) {
    bool room = co_await wait_for_capacity(rt);
    if (!room) {
      co_return co_await reply_error({mcp::ErrorKind::overloaded,
                                      "backends at max_in_flight and the queue is full or timed out",
                                      "null"},
                                     false);
    }
  }
  Tried tried;
  PickArg arg{&tried, &rt, now_ns()};
  arg.limit = limit;
  balance::PickContext ctx;
  ctx.acceptable_arg = &arg;
  ctx.acceptable = &acceptable;
  ctx.worker = w_.index;
  ctx.now_ns = arg.now_ns;
  ctx.new_session = pinned_ < 0 && (mcp_initialize_ || old_sse_);
  ctx.hash = hash;
  size_t attempt = 0;
  for (;;) {
    bool sent = false;
    bool timed_out = false;
    for (; attempt < rt.backends.size() && !sent; ++attempt) {
      std::optional<size_t> idx;
      bool claimed = false;  // the policy already counted the new session on idx
      if (pinned_ >= 0) {
        // A session lives on one backend: no other backend could serve it.
        if (attempt == 0) {
          idx = static_cast<size_t>(pinned_);
        }
      } else if (attempt == 0 && sticky >= 0 && ctx.ok(static_cast<size_t>(sticky))) {
        idx = static_cast<size_t>(sticky);
      } else {
        idx = wp.policy->pick(ctx);
        if (!idx && attempt == 0 && !arg.panic && rt.cfg.health.panic && none_ready(rt, arg.now_ns)) {
          // Every backend is out: trying them all beats failing every request.
          arg.panic = true;
          SPDLOG_DEBUG("pool {}: no backend ready, panic mode", rt.cfg.name);
          idx = wp.policy->pick(ctx);
        }
        claimed = idx && ctx.new_session && wp.policy->claims_sessions();
      }
      if (!idx) {
        break;
      }
      backend_ = *idx;
      tried.add(backend_);
      if (!take_limit(*rt.backends[backend_], limit)) {
        if (pinned_ >= 0) {  // another worker took the session backend's last slot meanwhile
          co_return co_await reply_error({mcp::ErrorKind::overloaded, "backend at max_in_flight", "null"},
                                         false);
        }
        continue;  // another worker took its last slot meanwhile: try the others
      }
      slot_ = &rt.backends[backend_]->stats->slot(w_.index);
      if (ctx.new_session) {
        hold_session(rt, claimed);
      }
      if (!finish_upstream_head(rt)) {
        co_return co_await reply_error({mcp::ErrorKind::header_too_large, "request head too large", "null"}, true);
      }
      // A pooled connection the backend closed meanwhile fails at once; retry on a new one.
      for (bool fresh = false;; fresh = true) {
        stop_ = Stop::none;
        if (!co_await open_upstream(wp, fresh)) {
          timed_out = timed_out || stop_ == Stop::timeout;
          break;
        }
        if (co_await send_request_start()) {
          sent = true;
          break;
        }
        bool stale = up_->reused && stop_ != Stop::timeout;
        finish_upstream(false);
        if (!stale || fresh) {
          fail_backend(stop_ == Stop::timeout ? "send timed out" : "send failed");
          break;
        }
      }
      if (!sent) {
        release_session();
        release_limit();
      }
    }
    if (!sent && pinned_ >= 0 && replay_ok_ && !failed_over_) {
      bool moved = co_await fail_over(wp, "backend unreachable");
      if (moved) {
        attempt = 0;  // the session lives elsewhere now: send it there
        continue;
      }
    }
    if (!sent) {
      if (pinned_ >= 0) {
        // The session's backend cannot be reached: its session is as good as gone, and a 404
        // is what tells an MCP client to initialize a new one (which lands on a live backend).
        co_return co_await reply_error({mcp::ErrorKind::session_not_found,
                                        "Session not found (backend unavailable)", "null"},
                                       false);
      }
      if (timed_out) {
        co_return co_await reply_error({mcp::ErrorKind::backend_timeout, "backend connect timed out", "null"}, false);
      }
      co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "no backend available", "null"}, false);
    }
    pool::bump(slot_->requests, uint64_t{1});
    pool::bump(slot_->in_flight, int64_t{1});
    in_flight_ = true;
    ++up_->requests;
    set_sticky_ = rt.cfg.sticky.enabled && pinned_ < 0 && static_cast<int>(backend_) != sticky;
    if (rt.observe_latency) {
      sent_at_ = Clock::now();
    }
    if (!replay_ok_) {
      in_.consume(hdr_len_ + body_used_);
      hdr_len_ = body_used_ = 0;
      if (!co_await relay_body_in()) {
        co_return false;
      }
    }
    bool keep = co_await relay_response(wp);
    if (retry_) {
      // It failed after it was sent, and running it again is harmless: elsewhere.
      retry_ = false;
      release_session();
      finish_upstream(false);
      if (pinned_ >= 0) {
        bool moved = co_await fail_over(wp, "request failed");
        if (!moved) {
          co_return co_await reply_error({mcp::ErrorKind::backend_unavailable,
                                          "backend failed and the session cannot move", "null"},
                                         false);
        }
        attempt = 0;
      }
      continue;
    }
    if (!unsent_) {
      co_return keep;
    }
    // The kept-alive connection was dead and so is the backend: the request never reached
    // it and is still whole in our buffer, so another backend may have it.
    unsent_ = false;
    release_session();
  }
}

net::Task<bool> Connection::relay_body_in() {
  const auto read_timeout = w_.pools[static_cast<size_t>(pool_)].rt->cfg.timeouts.read;
  sent_ahead_ = 0;  // an unparsed tail left in in_ has not been sent yet
  while (!req_->is_done()) {
    in_.compact();
    if (in_.space_size() == 0) {
      co_return co_await reply_error({mcp::ErrorKind::invalid_request, "malformed chunked body", "null"}, true);
    }
    phase_ = Phase::body_in;
    arm(read_timeout);
    auto [ec, n] =
        co_await client_.async_read_some(asio::buffer(in_.space(), in_.space_size()), net::use_task);
    if (ec || n == 0) {
      co_return false;  // client gone or too slow: nothing useful can be answered
    }
    in_.commit(n);
    rec_.bytes_in += n;
    error_code pec;
    size_t used = req_->put(asio::buffer(in_.data(), in_.size()), pec);
    if (!net::ok_or_more(pec)) {
      co_return co_await reply_parse_error(net::classify(pec, req_->head_error));
    }
    // Relay everything read (not only what the parser consumed), so a chunk whose size
    // line is still incomplete does not hold back the bytes before it.
    size_t end = req_->is_done() ? used : in_.size();
    if (end < sent_ahead_) {
      co_return false;
    }
    phase_ = Phase::upstream_send;
    arm(read_timeout);
    if (co_await send(up_->sock, in_.data() + sent_ahead_, end - sent_ahead_)) {
      co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "backend closed during upload", "null"},
                                     true);
    }
    in_.consume(used);
    sent_ahead_ = end - used;
  }
  sent_ahead_ = 0;
  co_return true;
}

}  // namespace mcplb::proxy
