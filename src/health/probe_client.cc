#include "health/probe_client.h"

#include <fmt/format.h>

#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include "health/sse_reader.h"

namespace mcplb::health {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using error_code = boost::system::error_code;

/// "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(std::string_view v) {
  std::string out;
  for (char ch : v) {
    if (ch == ';') {
      break;
    }
    if (ch != ' ' && ch != '\t') {
      out.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
    }
  }
  return out;
}

bool closed_by_peer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace

struct ProbeClient::Shared {
  explicit Shared(net::Executor ex) : socket(ex) {}
  void close() {
    error_code ignored;
    socket.close(ignored);
  }
  net::Socket socket;
  bool expired = false;
  bool aborted = false;
};

ProbeClient::ProbeClient(net::Executor ex, const net::tcp::endpoint& endpoint,
                         std::chrono::milliseconds timeout)
    : shared_(std::make_shared<Shared>(ex)), deadline_(ex), endpoint_(endpoint),
      timeout_(timeout) {
  deadline_.expires_after(timeout);
  // Closing the socket ends whatever is pending with an error; `expired` names it.
  deadline_.async_wait([s = shared_](const error_code& ec) {
    if (!ec) {
      s->expired = true;
      s->close();
    }
  });
}

ProbeClient::~ProbeClient() {
  deadline_.cancel();
  shared_->close();
}

void ProbeClient::abort() {
  shared_->aborted = true;
  shared_->close();
}

std::string ProbeClient::failure(const error_code& ec, std::string_view stage) const {
  if (shared_->aborted) {
    return "stopped";
  }
  if (shared_->expired) {
    return fmt::format("timeout after {} ms ({})", timeout_.count(), stage);
  }
  if (ec == asio::error::connection_refused) {
    return "connect refused";
  }
  if (closed_by_peer(ec)) {
    return fmt::format("{}: connection closed by the backend", stage);
  }
  if (ec == http::error::body_limit) {
    return fmt::format("{}: body over {} KiB", stage, kMaxBody / 1024);
  }
  if (ec == http::error::header_limit) {
    return fmt::format("{}: head over {} KiB", stage, kMaxHead / 1024);
  }
  return fmt::format("{}: {}", stage, ec.message());
}

net::Task<std::string> ProbeClient::exchange(std::string_view request, BodyMode mode,
                                             const EventFilter* accept, Response& out) {
  const bool reused = reusable_;
  bool untouched = false;
  std::string err = co_await attempt(request, mode, accept, out, untouched);
  if (!err.empty() && reused && untouched && !shared_->expired && !shared_->aborted) {
    // Keep-alive race: the backend closed the idle connection as we reused it.
    err = co_await attempt(request, mode, accept, out, untouched);
  }
  co_return err;
}

net::Task<std::string> ProbeClient::attempt(std::string_view request, BodyMode mode,
                                            const EventFilter* accept, Response& out,
                                            bool& untouched) {
  out = Response{};
  untouched = false;
  if (shared_->aborted || shared_->expired) {
    co_return failure({}, "before connecting");
  }
  net::Socket& sock = shared_->socket;
  if (!reusable_) {
    shared_->close();
    buffer_.clear();
    auto [ec] = co_await sock.async_connect(endpoint_, net::use_task);
    if (ec) {
      shared_->close();
      co_return failure(ec, "connect");
    }
  }
  reusable_ = false;  // until this response says otherwise

  auto [wec, written] =
      co_await asio::async_write(sock, asio::buffer(request.data(), request.size()),
                                 net::use_task);
  if (wec) {
    untouched = closed_by_peer(wec);
    shared_->close();
    co_return failure(wec, "send");
  }

  http::response_parser<http::buffer_body> parser;
  parser.header_limit(kMaxHead);
  parser.body_limit(kMaxBody);
  auto [hec, head_bytes] = co_await http::async_read_header(sock, buffer_, parser, net::use_task);
  if (hec) {
    untouched = closed_by_peer(hec) && buffer_.size() == 0;
    shared_->close();
    co_return failure(hec, "read response");
  }
  auto& msg = parser.get();
  out.status = msg.result_int();
  out.content_type = media_type(msg[http::field::content_type]);
  out.session_id = std::string(msg["Mcp-Session-Id"]);
  if (out.status < 200) {
    shared_->close();  // 1xx: nothing a probe asked for (no Expect, no Upgrade)
    co_return fmt::format("unexpected status {}", out.status);
  }

  if (mode == BodyMode::status_only && !parser.is_done()) {
    const auto length = parser.content_length();
    if (!length || *length > kMaxBody) {
      shared_->close();  // a stream or a large page: the status is all we wanted
      co_return std::string();
    }
  }
  const bool sse = mode == BodyMode::message && out.content_type == "text/event-stream";
  SseReader events(kMaxBody);
  bool accepted = false;
  char piece[4096];
  while (!parser.is_done()) {
    msg.body().data = piece;
    msg.body().size = sizeof piece;
    auto [ec, n] = co_await http::async_read(sock, buffer_, parser, net::use_task);
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      shared_->close();
      co_return failure(ec, "read body");
    }
    const std::string_view chunk(piece, sizeof piece - msg.body().size);
    if (mode == BodyMode::status_only) {
      continue;
    }
    if (!sse) {
      out.body.append(chunk);  // body_limit bounds it
      continue;
    }
    const SseReader::Status st = events.feed(chunk, [&](std::string_view data) {
      if (accept == nullptr || (*accept)(data)) {
        out.body.assign(data);
        return true;
      }
      return false;
    });
    if (st == SseReader::Status::too_large) {
      shared_->close();
      co_return fmt::format("read body: SSE event over {} KiB", kMaxBody / 1024);
    }
    if (st == SseReader::Status::stopped) {
      accepted = true;
      break;
    }
  }
  if (sse && !accepted) {
    shared_->close();
    co_return std::string("read body: event stream ended without the response");
  }
  if (parser.is_done() && parser.keep_alive()) {
    reusable_ = true;
  } else {
    shared_->close();
  }
  co_return std::string();
}

}  // namespace mcplb::health
