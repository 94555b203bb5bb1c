// The response half of Connection: read the backend's head, rewrite it, and relay the body
// as it arrives (each read is written to the client at once, so SSE events are never held).

#include <boost/asio/post.hpp>
#include <boost/beast/core/string.hpp>
#include <cstring>

#include "core/log.h"
#include "proxy/connection.h"
#include "proxy/head_writer.h"
#include "proxy/mcp_counters.h"
#include "proxy/passive_health.h"

namespace mcplb::proxy {

namespace asio = net::asio;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;

namespace {

constexpr size_t kMaxToolsAnswer = 8 * 1024 * 1024;

bool is_event_stream(std::string_view content_type) {
  return content_type.size() >= 17 &&
         boost::beast::iequals(content_type.substr(0, 17), "text/event-stream");
}
}  // namespace

bool Connection::build_response_head(bool close, bool& stream) {
  const char* base = resp_->base();
  hdr_.ensure();
  HeadWriter h(hdr_.space(), hdr_.space_size());
  h.put("HTTP/1.1 ").put(static_cast<uint64_t>(resp_->status)).put(" ");
  h.put(resp_->reason.in(base)).put("\r\n");
  stream = false;
  for (size_t i = 0; i < resp_->field_count; ++i) {
    const net::FieldRef& f = resp_->fields[i];
    if (f.drop) {
      continue;
    }
    if (!cors_headers_.empty() && f.name.len > 15 &&
        boost::beast::iequals(f.name.in(base).substr(0, 15), "access-control-")) {
      continue;  // ours replace the backend's, so a browser never sees two
    }
    if (dechunk_ && f.id == http::field::transfer_encoding) {
      continue;  // an HTTP/1.0 client gets the decoded body, delimited by the close
    }
    if (f.id == http::field::content_type && is_event_stream(f.value.in(base))) {
      stream = true;
    }
    if (resp_->mcp_session_id && f.value.off == resp_->mcp_session_id->off) {
      if (!write_session_header(h, f.name.in(base), f.value.in(base))) {
        return false;
      }
      continue;
    }
    h.put(f.name.in(base)).put(": ").put(f.value.in(base)).put("\r\n");
  }
  if (resp_->saw_content_length) {
    h.put("Content-Length: ").put(resp_->content_length().value_or(0)).put("\r\n");
  }
  h.put(cors_headers_);
  if (set_sticky_ && !write_sticky_cookie(h)) {
    return false;
  }
  if (close) {
    h.put("Connection: close\r\n");
  } else if (req_->version == 10) {
    h.put("Connection: keep-alive\r\n");
  }
  h.put("\r\n");
  head_out_len_ = h.size();
  return !h.overflow();
}

net::Task<std::optional<bool>> Connection::read_response_head(WorkerPool& wp) {
  const auto& rt = *wp.rt;
  bool retried = false;
  for (;;) {
    out_.ensure();
    out_.compact();
    resp_.emplace(out_.data(), out_.capacity(), w_.scratch_fields);
    resp_->eager(false);
    resp_->header_limit(static_cast<uint32_t>(out_.capacity()));
    resp_->body_limit(boost::none);
    if (req_->method == http::verb::head) {
      resp_->skip(true);
    }
    phase_ = Phase::response_wait;
    arm(rt.cfg.timeouts.read);
    size_t received = 0;
    for (;;) {
      if (!out_.empty()) {
        error_code ec;
        size_t used = resp_->put(asio::buffer(out_.data(), out_.size()), ec);
        if (net::ok_or_more(ec) && resp_->is_header_done()) {
          hdr_len_resp_ = used;
          break;
        }
        if (!net::ok_or_more(ec)) {
          spdlog::warn("backend {}: malformed response: {}", rt.backends[backend_]->name,
                       ec.message());
          fail_backend("malformed response");
          co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "malformed backend response", "null"},
                                         false);
        }
        if (out_.space_size() == 0) {
          co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "backend head too large", "null"},
                                         false);
        }
      }
      auto [ec, n] = co_await up_->sock.async_read_some(
          asio::buffer(out_.space(), out_.space_size()), net::use_task);
      if (ec || n == 0) {
        bool timeout = stop_ == Stop::timeout;
        // A pooled connection the backend had closed: the request never reached it.
        if (!timeout && received == 0 && up_->reused && replay_ok_ && !retried) {
          retried = true;
          finish_upstream(false);
          in_flight_ = false;
          bool resent = co_await open_upstream(wp, true);
          if (resent) {
            resent = co_await send_request_start();
          }
          if (resent) {
            pool::bump(slot_->in_flight, int64_t{1});
            in_flight_ = true;
            (void)take_limit(*rt.backends[backend_], rt.cfg.overload.max_in_flight);
            ++up_->requests;
            out_.consume(out_.size());
            break;
          }
          const bool movable = pinned_ >= 0 && !failed_over_ && wp.rt->failover->sessions() != nullptr;
          if (!timeout && stop_ != Stop::timeout && (pinned_ < 0 || movable)) {
            unsent_ = true;  // forward_request picks another backend (or moves the session)
            co_return false;
          }
          if (pinned_ >= 0 && !up_) {
            // Its backend is gone (the new connection failed): so is the session.
            co_return co_await reply_error({mcp::ErrorKind::session_not_found,
                                            "Session not found (backend unavailable)", "null"},
                                           false);
          }
        }
        fail_backend(timeout ? "response timed out" : "connection closed before the response");
        if (may_retry(wp)) {
          retry_ = true;  // forward_request sends it elsewhere
          co_return false;
        }
        if (timeout) {
          co_return co_await reply_error({mcp::ErrorKind::backend_timeout, "backend timed out", "null"}, false);
        }
        co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "backend closed the connection", "null"},
                                       false);
      }
      received += n;
      out_.commit(n);
    }
    if (!resp_->is_header_done()) {
      continue;  // retried on a fresh connection: parse its response from scratch
    }
    // Interim responses: 100 answers an Expect we already handled; others are dropped too
    // (clients must accept their absence). A 101 we never asked for is an error.
    if (resp_->status == 101) {
      co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "unexpected protocol switch", "null"},
                                     false);
    }
    if (resp_->status >= 100 && resp_->status < 200) {
      out_.consume(hdr_len_resp_);
      continue;
    }
    co_return std::nullopt;
  }
}

net::Task<bool> Connection::relay_response(WorkerPool& wp) {
  // Either the response head is ready (nullopt), or an error was answered already.
  if (auto answered = co_await read_response_head(wp)) {
    co_return *answered;
  }
  rec_.status = resp_->status;
  rec_.origin = Origin::backend;
  rec_.backend = static_cast<int>(backend_);
  if (is_gateway_error(resp_->status)) {
    static constexpr std::string_view kStatus[] = {"status 502", "status 503", "status 504"};
    record_failure(*wp.rt, backend_, now_ns(), kStatus[resp_->status - 502]);
  } else {
    record_success(*wp.rt, backend_);
  }
  if (wp.rt->observe_latency) {
    auto now = Clock::now();
    wp.policy->observe(backend_, std::chrono::nanoseconds(now - sent_at_).count(),
                       std::chrono::nanoseconds(now.time_since_epoch()).count());
  }
  if (replay_ok_) {
    in_.consume(hdr_len_ + body_used_);  // the whole request was delivered: drop it now
    hdr_len_ = body_used_ = 0;
  }
  count_session(resp_->status);
  // HTTP/1.0 has no chunked coding (RFC 9112 7.1): decode it, and end the body by closing.
  dechunk_ = req_->version == 10 && resp_->chunked() && !old_sse_;
  bool close = !req_->keep_alive() || resp_->need_eof() || w_.draining || dechunk_;
  bool stream = false;
  if (!build_response_head(close, stream)) {
    co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "backend head too large", "null"}, false);
  }
  // Body bytes that came with the head.
  resp_->eager(true);
  rec_.stream = stream;
  if (dechunk_) {
    dechunked_.clear();
    resp_->body_sink = &dechunked_;
  }
  const bool learn = !dechunk_ && resp_->status == 200 && wp.rt->failover->learns_tools() &&
                     rec_.mcp_method < McpCounters::kMethods.size() &&
                     McpCounters::kMethods[rec_.mcp_method] == "tools/list";
  if (learn) {
    tools_body_.clear();
    resp_->body_sink = &tools_body_;  // decoded copy of the answer; the bytes relay as they are
  }
  size_t head = hdr_len_resp_;
  out_.consume(head);
  if (old_sse_ && stream && !resp_->is_done()) {
    phase_ = Phase::client_send;
    arm(w_.topo->config().client.send_timeout);
    response_started_ = true;
    if (co_await send(client_, hdr_.space(), head_out_len_)) {
      co_return false;
    }
    pool::bump(slot_->streams, int64_t{1});
    bool ok = co_await relay_endpoint_stream();
    pool::bump(slot_->streams, int64_t{-1});
    response_started_ = false;
    finish_upstream(ok && resp_->keep_alive() && req_->is_done() && out_.empty());
    co_return ok && !close;
  }
  size_t used = 0;
  if (!resp_->is_done() && !out_.empty()) {
    error_code ec;
    used = resp_->put(asio::buffer(out_.data(), out_.size()), ec);
    if (!net::ok_or_more(ec)) {
      co_return co_await reply_error({mcp::ErrorKind::backend_unavailable, "malformed backend response", "null"},
                                     false);
    }
  }
  size_t end = resp_->is_done() ? used : out_.size();
  if (resp_->is_done() && in_flight_) {
    // The backend's part is over; a slow client must not make it look busy to the policies.
    pool::bump(slot_->in_flight, int64_t{-1});
    in_flight_ = false;
    release_limit();
  }
  phase_ = Phase::client_send;
  arm(w_.topo->config().client.send_timeout);
  response_started_ = true;
  // Dechunking sends only what was parsed (decoded into dechunked_).
  const char* body = dechunk_ ? dechunked_.data() : out_.data();
  const size_t body_len = dechunk_ ? dechunked_.size() : end;
  if (co_await send(client_, hdr_.space(), head_out_len_, body, body_len)) {
    co_return false;
  }
  dechunked_.clear();
  out_.consume(used);
  sent_ahead_ = dechunk_ ? 0 : end - used;
  bool ok = true;
  if (!resp_->is_done()) {
    if (stream) {
      pool::bump(slot_->streams, int64_t{1});
    }
    ok = co_await relay_body_out(stream);
    if (client_watch_armed_) {
      co_await end_client_watch();
    }
    if (stream) {
      pool::bump(slot_->streams, int64_t{-1});
    }
  }
  response_started_ = false;
  if (dechunk_) {
    resp_->body_sink = nullptr;
    dechunked_.clear();
    dechunked_.shrink_to_fit();
  }
  bool done = ok && resp_->is_done();
  if (learn) {
    resp_->body_sink = nullptr;
    if (done) {
      learn_tools(*wp.rt, stream);
    }
    tools_body_.clear();
  }
  finish_upstream(done && resp_->keep_alive() && req_->is_done() && out_.empty());
  co_return done && !close;
}

net::Task<void> Connection::end_client_watch() {
  // The watch's handler refers to this connection: let it run (cancelled) before going on.
  error_code ignored;
  client_.cancel(ignored);
  for (int i = 0; client_watch_armed_ && i < 1000; ++i) {
    co_await asio::post(w_.io.get_executor(), net::use_task);
  }
}

net::Task<bool> Connection::relay_body_out(bool stream) {
  const auto& to = w_.pools[static_cast<size_t>(pool_)].rt->cfg.timeouts;
  bool watch_client = true;
  while (!resp_->is_done()) {
    size_t n = 0;
    if (stream) {
      // Hold no buffer while the stream is silent: idle SSE streams cost only their sockets.
      phase_ = Phase::stream_wait;
      arm(to.idle_stream);
      // The unparsed tail (typically the CRLF after the last chunk, which Beast consumes
      // only with the next chunk header) moves to a few inline bytes so the block can go.
      in_.release_if_empty();
      hdr_.release_if_empty();
      if (out_.size() <= sizeof(tail_)) {
        tail_len_ = static_cast<uint8_t>(out_.size());
        std::memcpy(tail_, out_.data(), tail_len_);
        out_.consume(tail_len_);
        out_.release_if_empty();
      }
      if (watch_client && !client_watch_armed_) {
        // Also watch the client: one that leaves must free the backend's stream at once (an
        // SDK server refuses a resumed GET while the old one is still open). A plain handler,
        // not a parallel group of coroutines: it costs an idle stream ~100 bytes, not ~1 KiB.
        // It never outlives the stream: relay_response ends it (end_client_watch).
        client_watch_armed_ = true;
        client_readable_ = false;
        client_.async_wait(net::Socket::wait_read, [this](const error_code& ec) {
          client_watch_armed_ = false;
          if (ec) {
            return;  // cancelled: the stream ended, or the sweep is stopping it
          }
          client_readable_ = true;
          error_code ignored;
          if (up_) {
            up_->sock.cancel(ignored);  // wake the stream wait below
          }
        });
      }
      auto [ec] = co_await up_->sock.async_wait(net::Socket::wait_read, net::use_task);
      if (client_readable_) {
        client_readable_ = false;
        if (stop_ != Stop::none || client_gone()) {  // cancelled by the sweep, or gone
          co_return false;
        }
        watch_client = false;  // pipelined bytes wait for this response; the sweep watches
        if (ec == asio::error::operation_aborted) {
          continue;  // the watch woke us; the backend has nothing yet
        }
      }
      if (ec) {
        co_return false;
      }
      out_.ensure();
      out_.compact();
      if (tail_len_ > 0) {
        std::memcpy(out_.space(), tail_, tail_len_);
        out_.commit(tail_len_);
        tail_len_ = 0;
      }
      error_code rec;
      n = up_->sock.read_some(asio::buffer(out_.space(), out_.space_size()), rec);
      if (rec == asio::error::would_block) {
        continue;
      }
      if (rec && rec != asio::error::eof) {
        co_return false;
      }
    } else {
      phase_ = Phase::body_out;
      arm(to.read);
      out_.ensure();
      out_.compact();
      auto [ec, m] = co_await up_->sock.async_read_some(
          asio::buffer(out_.space(), out_.space_size()), net::use_task);
      if (ec && ec != asio::error::eof) {
        co_return false;
      }
      n = m;
    }
    if (n == 0) {
      if (resp_->need_eof()) {
        error_code ec;
        resp_->put_eof(ec);
        co_return !ec;
      }
      spdlog::warn("backend {}: response truncated", w_.pools[static_cast<size_t>(pool_)]
                                                          .rt->backends[backend_]->name);
      co_return false;
    }
    out_.commit(n);
    error_code pec;
    size_t used = resp_->put(asio::buffer(out_.data(), out_.size()), pec);
    if (!net::ok_or_more(pec)) {
      co_return false;
    }
    if (resp_->body_sink == &tools_body_ && tools_body_.size() > kMaxToolsAnswer) {
      resp_->body_sink = nullptr;  // too big to read for tool annotations: relay it only
      tools_body_.clear();
    }
    size_t end = resp_->is_done() ? used : out_.size();
    if (end < sent_ahead_) {
      co_return false;
    }
    phase_ = Phase::client_send;
    arm(w_.topo->config().client.send_timeout);
    if (dechunk_) {
      if (co_await send(client_, dechunked_.data(), dechunked_.size())) {
        co_return false;
      }
      dechunked_.clear();
      out_.consume(used);  // the unparsed rest is parsed (and decoded) with the next read
      continue;
    }
    if (co_await send(client_, out_.data() + sent_ahead_, end - sent_ahead_)) {
      co_return false;
    }
    out_.consume(used);
    sent_ahead_ = end - used;
    if (!resp_->is_done() && out_.size() == out_.capacity()) {
      co_return false;  // a chunk-size line longer than a buffer: not HTTP we relay
    }
  }
  co_return true;
}

}  // namespace mcplb::proxy
