#pragma once
// One probe's HTTP/1.1 conversation with one backend: plain TCP, requests written by hand,
// responses read with Beast's parser (head and body bounded), all under ONE deadline armed
// when the client is made. Checker thread only; not thread-safe.

#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/asio.h"

namespace mcplb::health {

inline constexpr size_t kMaxHead = 16 * 1024;
inline constexpr size_t kMaxBody = 64 * 1024;

struct Response {
  unsigned status = 0;
  std::string content_type;  // media type only, lowercase ("application/json")
  std::string session_id;    // Mcp-Session-Id; empty when absent
  std::string body;          // BodyMode::message: the JSON body, or the accepted SSE event's data
};

enum class BodyMode : uint8_t {
  // Head only. A body of known length <= kMaxBody is read and dropped (so the connection
  // ends cleanly); any other body is not read: the connection is closed.
  status_only,
  // The whole body (<= kMaxBody); for text/event-stream, events are read until `accept`
  // takes one (the stream is then closed), within kMaxBody bytes.
  message,
};

/// Whether an SSE event's data is the message the caller waits for.
using EventFilter = std::function<bool(std::string_view data)>;

class ProbeClient {
 public:
  /// Arms the deadline: every exchange after `timeout` from now fails with "timeout ...".
  ProbeClient(net::Executor ex, const net::tcp::endpoint& endpoint,
              std::chrono::milliseconds timeout);
  ~ProbeClient();
  ProbeClient(const ProbeClient&) = delete;
  ProbeClient& operator=(const ProbeClient&) = delete;

  /// Makes the pending and every later operation fail with "stopped" (checker thread).
  void abort();

  /// Sends `request` (a complete HTTP/1.1 request) and reads the response into `out`,
  /// (re)connecting when there is no reusable connection. A reused keep-alive connection that
  /// fails before any response byte (the backend closed it meanwhile) is retried once.
  /// @param accept for BodyMode::message over SSE; null accepts the first event with data.
  /// @return "" on success, else why it failed ("connect refused", "timeout after ...").
  net::Task<std::string> exchange(std::string_view request, BodyMode mode,
                                  const EventFilter* accept, Response& out);

 private:
  struct Shared;
  net::Task<std::string> attempt(std::string_view request, BodyMode mode,
                                 const EventFilter* accept, Response& out, bool& untouched);
  std::string failure(const boost::system::error_code& ec, std::string_view stage) const;

  // The socket and the flags the deadline handler sets; shared with that handler so it
  // never touches a finished probe.
  std::shared_ptr<Shared> shared_;
  net::Timer deadline_;
  net::tcp::endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  boost::beast::flat_buffer buffer_{kMaxHead + kMaxBody};
  bool reusable_ = false;  // open, and the last response allowed keep-alive
};

}  // namespace mcplb::health
