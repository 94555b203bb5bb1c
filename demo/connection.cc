#include "connection.h"

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdio>
#include <exception>

#include "router.h"
#include "server.h"
#include "session_store.h"

namespace mcplb::demo {
namespace http = boost::beast::http;

namespace {

std::string_view reason(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kHeaderLimit = 16 * 1024;

}  // namespace

Connection::Connection(Worker& worker, Socket socket)
    : worker_(worker), socket_(std::move(socket)) {
  worker_.add(this);
}

Connection::~Connection() { worker_.remove(this); }

Server& Connection::server() { return worker_.server(); }

std::string_view Connection::header(std::string_view name) const {
  const auto& fields = parser_->get();
  auto it = fields.find(name);
  return it == fields.end() ? std::string_view{} : std::string_view(it->value());
}

simdjson::padded_string_view Connection::padded_body() {
  std::string& body = parser_->get().body();
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  return simdjson::padded_string_view(body.data(), body.size(), body.capacity());
}

void Connection::cancel_if_idle() {
  if (idle_) {
    ErrorCode ignored;
    socket_.cancel(ignored);
  }
}

Task<ErrorCode> Connection::read_request() {
  if (parser_) {
    body_store_ = std::move(parser_->get().body());  // reuse its capacity
    parser_.reset();
  }
  arena_.release();
  body_store_.clear();
  auto& parser = parser_.emplace(std::piecewise_construct, std::make_tuple(std::move(body_store_)),
                                 std::make_tuple(Allocator(&arena_)));
  parser.eager(true);
  parser.header_limit(kHeaderLimit);
  parser.body_limit(server().options().max_body);
  bool continue_checked = false;
  for (;;) {
    if (buffer_.size() > 0) {
      ErrorCode ec;
      const std::size_t n = parser.put(buffer_.data(), ec);
      buffer_.consume(n);
      if (ec && ec != http::error::need_more) {
        co_return ec;
      }
      if (parser.is_done()) {
        co_return ErrorCode{};
      }
      if (!ec && n > 0 && buffer_.size() > 0) {
        continue;
      }
      if (parser.is_header_done() && !continue_checked) {
        continue_checked = true;
        const auto& req = parser.get();
        auto it = req.find(http::field::expect);
        if (it != req.end() && boost::beast::iequals(it->value(), "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(kContinue), nothrow);
          if (wec) {
            co_return wec;
          }
        }
      }
    }
    idle_ = buffer_.size() == 0 && !parser.got_some();
    if (idle_ && server().stopping()) {
      co_return asio::error::operation_aborted;
    }
    auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(kReadChunk), nothrow);
    idle_ = false;
    if (ec) {
      co_return (ec == asio::error::eof && parser.got_some())
          ? ErrorCode(http::error::partial_message)
          : ec;
    }
    buffer_.commit(n);
  }
}

Task<void> Connection::run() {
  try {
    for (;;) {
      const ErrorCode ec = co_await read_request();
      if (ec) {
        const bool parse_error = ec.category() == ErrorCode(http::error::bad_version).category() &&
                                 ec != http::error::partial_message;
        if (parse_error) {
          keep_alive_ = false;
          http10_ = false;
          chunked_ = true;
          const bool too_big = ec == http::error::body_limit;
          out_.clear();
          append_error(out_, {}, too_big ? kInvalidRequest : kParseError,
                       too_big ? "Request body too large" : "Malformed HTTP request");
          co_await respond(too_big ? 413 : 400, "application/json", view(out_));
        }
        break;
      }
      const Request& req = parser_->get();
      http10_ = req.version() < 11;
      chunked_ = !http10_;
      keep_alive_ = req.keep_alive() && !server().stopping();
      out_.clear();
      if (route_now(*this)) {
        co_await flush();
      } else {
        co_await route(*this);
      }
      if (!keep_alive_ || server().stopping()) {
        break;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-demo-server: connection error: %s\n", e.what());
  }
  ErrorCode ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void Connection::build_head(unsigned status, std::string_view content_type,
                            std::optional<std::size_t> content_length,
                            std::string_view extra_headers) {
  head_.clear();
  fmt::format_to(std::back_inserter(head_), "HTTP/1.1 {} {}\r\n", status, reason(status));
  append(head_, server().backend_header());
  if (!content_type.empty()) {
    append(head_, "Content-Type: ");
    append(head_, content_type);
    append(head_, "\r\n");
  }
  if (content_length) {
    append(head_, "Content-Length: ");
    append(head_, fmt::format_int(*content_length).c_str());
    append(head_, "\r\n");
  } else if (chunked_) {
    append(head_, "Transfer-Encoding: chunked\r\n");
  }
  append(head_, extra_headers);
  if (!keep_alive_ || (!content_length && !chunked_)) {
    append(head_, "Connection: close\r\n");
  } else if (http10_) {
    append(head_, "Connection: keep-alive\r\n");
  }
  append(head_, "\r\n");
}

Task<bool> Connection::write_head_and(std::string_view body) {
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_.data(), head_.size()),
                                                  asio::buffer(body)};
  auto [ec, n] = co_await asio::async_write(socket_, buffers, nothrow);
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

void Connection::prepare(unsigned status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers) {
  build_head(status, content_type, body.size(), extra_headers);
  // HEAD: the same head (with the Content-Length of the body), no body.
  pending_body_ = parser_->get().method() == http::verb::head ? std::string_view{} : body;
}

void Connection::prepare_json(unsigned status, std::string_view extra_headers) {
  prepare(status, "application/json", view(out_), extra_headers);
}

void Connection::prepare_error(unsigned status, const JsonToken& id, int code,
                               std::string_view message, std::string_view data_json) {
  out_.clear();
  append_error(out_, id, code, message, data_json);
  prepare_json(status);
}

Task<bool> Connection::flush() { co_return co_await write_head_and(pending_body_); }

Task<bool> Connection::respond(unsigned status, std::string_view content_type,
                               std::string_view body, std::string_view extra_headers) {
  prepare(status, content_type, body, extra_headers);
  co_return co_await flush();
}

Task<bool> Connection::respond_json(unsigned status, std::string_view extra_headers) {
  prepare_json(status, extra_headers);
  co_return co_await flush();
}

Task<bool> Connection::respond_error(unsigned status, const JsonToken& id, int code,
                                     std::string_view message, std::string_view data_json) {
  prepare_error(status, id, code, message, data_json);
  co_return co_await flush();
}

Task<bool> Connection::start_sse(std::string_view extra_headers) {
  if (!chunked_) {
    keep_alive_ = false;  // HTTP/1.0: the stream ends with the connection
  }
  Out extra;
  append(extra, "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n");
  append(extra, extra_headers);
  build_head(200, "text/event-stream", std::nullopt, view(extra));
  co_return co_await write_head_and({});
}

Task<bool> Connection::write_frame(std::string_view frame) {
  std::array<char, 24> size_line{};
  std::size_t size_len = 0;
  if (chunked_) {
    auto r = fmt::format_to_n(size_line.data(), size_line.size(), "{:x}\r\n", frame.size());
    size_len = r.size;
  }
  const std::array<asio::const_buffer, 3> buffers{
      asio::buffer(size_line.data(), size_len), asio::buffer(frame),
      asio::buffer(std::string_view(chunked_ ? "\r\n" : ""))};
  auto [ec, n] = co_await asio::async_write(socket_, buffers, nothrow);
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

Task<bool> Connection::end_sse() {
  if (!chunked_) {
    co_return true;
  }
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(std::string_view("0\r\n\r\n")), nothrow);
  if (ec) {
    keep_alive_ = false;
    co_return false;
  }
  co_return true;
}

Task<bool> Connection::pump(Sink& sink) {
  co_await asio::this_coro::throw_if_cancelled(false);
  for (;;) {
    auto [ec, frame] = co_await sink.channel().async_receive(nothrow);
    if (ec) {
      keep_alive_ = false;  // cancelled or closed mid-stream: the response is unfinished
      co_return false;
    }
    if (frame.empty()) {
      break;
    }
    if (!co_await write_frame(frame)) {
      co_return false;
    }
  }
  co_return co_await end_sse();
}

Task<void> Connection::watch_peer() {
  co_await asio::this_coro::throw_if_cancelled(false);
  auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(kReadChunk), nothrow);
  if (ec == asio::error::operation_aborted) {
    co_return;
  }
  if (ec) {
    keep_alive_ = false;
    co_return;
  }
  // The client pipelined its next request: keep the bytes, stop watching.
  buffer_.commit(n);
  Timer forever(executor());
  forever.expires_at(Timer::time_point::max());
  co_await forever.async_wait(nothrow);
}

Task<void> Connection::keepalive(Sink& sink) {
  co_await asio::this_coro::throw_if_cancelled(false);
  const auto interval = std::chrono::milliseconds(server().options().sse_keepalive_ms);
  Timer timer(executor());
  if (interval.count() == 0) {
    // Disabled: still never complete on our own (the caller races us against the stream).
    timer.expires_at(Timer::time_point::max());
    co_await timer.async_wait(nothrow);
    co_return;
  }
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) {
      co_return;
    }
    sink.push(": keep-alive\n\n");
  }
}

}  // namespace mcplb::demo
