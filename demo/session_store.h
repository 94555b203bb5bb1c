#pragma once
// MCP sessions of the session-based transports (Streamable HTTP 2025-xx and the old
// HTTP+SSE 2024-11-05): per-session state, SSE streams with a bounded replay ring
// (Last-Event-ID), and the thread-safe store. Every method may be called from any worker
// thread; frames reach the HTTP connection that streams them through a Sink.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "asio_types.h"

namespace mcplb::demo {

/// The consumer end of an SSE stream, read by the connection that writes the stream.
class Sink {
 public:
  explicit Sink(Executor ex, std::size_t capacity = 1024) : channel_(ex, capacity) {}

  /// Queues a frame; false (frame dropped) if the consumer is too far behind or gone.
  bool push(std::string frame);
  /// Ends the stream once the frames queued so far are written.
  void end();
  FrameChannel& channel() { return channel_; }

 private:
  FrameChannel channel_;
};
using SinkPtr = std::shared_ptr<Sink>;

/// SSE event id `<stream>_<seq>`: the stream lets a Last-Event-ID resume the right stream.
struct EventId {
  std::uint32_t stream = 0;
  std::uint64_t seq = 0;
};
std::optional<EventId> parse_event_id(std::string_view text);

enum class SessionKind { streamable, old_sse };

class Session {
 public:
  static constexpr std::uint32_t kGetStream = 0;  ///< the standalone GET stream
  static constexpr std::size_t kRingSize = 256;   ///< events kept for replay

  Session(std::string id, SessionKind kind, std::string protocol);

  const std::string& id() const { return id_; }
  SessionKind kind() const { return kind_; }
  /// Protocol version negotiated at initialize (the old transport may set it later).
  std::string protocol() const;
  void set_protocol(std::string_view v);

  std::uint64_t next_count() { return counter_.fetch_add(1, std::memory_order_relaxed) + 1; }
  void set_log_level(int rank) { log_level_.store(rank, std::memory_order_relaxed); }
  bool log_enabled(int rank) const { return rank >= log_level_.load(std::memory_order_relaxed); }

  void touch();
  std::chrono::steady_clock::time_point last_used() const;

  /// Opens a POST response stream and returns its number.
  std::uint32_t open_stream();
  /// Sends one JSON-RPC message on `stream`: recorded for replay (Streamable HTTP) and
  /// queued to the attached sink, if any. Old HTTP+SSE sessions send `event: message`.
  void emit(std::uint32_t stream, std::string_view json);
  /// Sends an event with an id and empty data (primes a client's Last-Event-ID).
  void emit_priming(std::uint32_t stream);
  /// Ends a POST response stream after its final response.
  void finish_stream(std::uint32_t stream);
  /// Makes `sink` the consumer of `stream`, first queueing the recorded events after
  /// `after_seq` if given. A previous sink is ended. A finished (or unknown) stream is
  /// replayed and then ended. Returns false if the stream has been closed for good.
  bool attach(std::uint32_t stream, const SinkPtr& sink, std::optional<std::uint64_t> after_seq);
  /// Detaches `sink` if it is still the consumer of `stream`.
  void detach(std::uint32_t stream, const SinkPtr& sink);
  /// Queues a pre-formatted frame on `stream` without recording it.
  bool push_raw(std::uint32_t stream, std::string frame);
  bool has_consumer(std::uint32_t stream);
  /// Ends every stream; later attaches fail.
  void close();

 private:
  struct Event {
    std::uint64_t seq;
    std::uint32_t stream;
    std::string frame;
  };
  void record_locked(std::uint32_t stream, std::string_view data, bool with_id);

  const std::string id_;
  const SessionKind kind_;
  std::atomic<std::uint64_t> counter_{0};
  std::atomic<int> log_level_{0};
  std::atomic<std::int64_t> last_used_;

  mutable std::mutex mu_;
  std::string protocol_;
  bool closed_ = false;
  std::uint64_t next_seq_ = 0;
  std::uint32_t next_stream_ = 1;
  std::deque<Event> ring_;
  std::unordered_map<std::uint32_t, SinkPtr> live_;  // open streams -> consumer (may be null)
};
using SessionPtr = std::shared_ptr<Session>;

/// 32 lowercase hex characters from the OS CSPRNG.
std::string random_session_id();

class SessionStore {
 public:
  SessionPtr create(SessionKind kind, std::string_view protocol);
  /// Finds a session and marks it used.
  SessionPtr find(std::string_view id);
  /// Removes a session and ends its streams; false if unknown.
  bool erase(std::string_view id);
  /// Removes sessions idle since before `cutoff` that have no open GET stream.
  std::size_t sweep_idle(std::chrono::steady_clock::time_point cutoff);
  void close_all();
  std::size_t size() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, SessionPtr, Hash, std::equal_to<>> map_;
};

}  // namespace mcplb::demo
