#pragma once
// One accepted HTTP/1.1 connection: read a request, route it, write the response, repeat
// while keep-alive. Handlers use the write helpers below; everything runs on the owning
// worker's thread.

#include <simdjson.h>

#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "asio_types.h"
#include "json_util.h"
#include "jsonrpc.h"

namespace mcplb::demo {

class Server;
class Sink;
class Worker;

class Connection {
 public:
  // Header fields live in a per-connection arena reset for each request (no malloc per field).
  using Allocator = std::pmr::polymorphic_allocator<char>;
  using Fields = boost::beast::http::basic_fields<Allocator>;
  using Request = boost::beast::http::request<boost::beast::http::string_body, Fields>;
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body, Allocator>;

  Connection(Worker& worker, Socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// The request loop; returns when the connection is closed.
  Task<void> run();

  Server& server();
  Executor executor() { return socket_.get_executor(); }

  const Request& request() const { return parser_->get(); }
  /// Header value, empty if absent (case-insensitive name).
  std::string_view header(std::string_view name) const;
  /// The request body, padded for simdjson.
  simdjson::padded_string_view padded_body();
  simdjson::ondemand::parser& json() { return json_; }
  /// Scratch buffer for the response body (cleared before each request).
  Out& out() { return out_; }

  // Synchronous handlers prepare the response; the request loop then writes it in one go.
  // `body` must stay valid until then (out() or static text).
  void prepare(unsigned status, std::string_view content_type, std::string_view body,
               std::string_view extra_headers = {});
  void prepare_json(unsigned status, std::string_view extra_headers = {});
  void prepare_error(unsigned status, const JsonToken& id, int code, std::string_view message,
                     std::string_view data_json = {});
  /// Writes the prepared response. False if the peer is gone.
  Task<bool> flush();

  /// Writes a whole response with a Content-Length body. False if the peer is gone.
  Task<bool> respond(unsigned status, std::string_view content_type, std::string_view body,
                     std::string_view extra_headers = {});
  /// Writes out() as an application/json response.
  Task<bool> respond_json(unsigned status, std::string_view extra_headers = {});
  /// Writes a JSON-RPC error response (out() is overwritten).
  Task<bool> respond_error(unsigned status, const JsonToken& id, int code, std::string_view message,
                           std::string_view data_json = {});

  /// Starts a text/event-stream response; frames follow with write_frame.
  Task<bool> start_sse(std::string_view extra_headers = {});
  Task<bool> write_frame(std::string_view frame);
  Task<bool> end_sse();
  /// Writes the frames of `sink` until it ends, then ends the response.
  /// False if the peer went away (the connection must then be closed).
  Task<bool> pump(Sink& sink);
  /// Completes when the peer closes the connection or fails; bytes of a pipelined
  /// request are kept for the next read.
  Task<void> watch_peer();
  /// Queues an SSE comment every --sse-keepalive-ms; runs until cancelled.
  Task<void> keepalive(Sink& sink);

  void close_after_response() { keep_alive_ = false; }
  /// Shutdown: cancels the read of a connection that waits for its next request.
  void cancel_if_idle();

 private:
  Task<ErrorCode> read_request();
  void build_head(unsigned status, std::string_view content_type,
                  std::optional<std::size_t> content_length, std::string_view extra_headers);
  Task<bool> write_head_and(std::string_view body);

  Worker& worker_;
  Socket socket_;
  boost::beast::flat_buffer buffer_;
  alignas(std::max_align_t) std::array<std::byte, 4096> arena_buffer_;
  std::pmr::monotonic_buffer_resource arena_{arena_buffer_.data(), arena_buffer_.size()};
  std::optional<Parser> parser_;
  std::string_view pending_body_;
  std::string body_store_;  // keeps the body's capacity across requests
  simdjson::ondemand::parser json_;
  Out out_;
  Out head_;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool chunked_ = true;
  bool idle_ = true;
};

}  // namespace mcplb::demo
