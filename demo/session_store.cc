#include "session_store.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <charconv>
#include <vector>

namespace mcplb::demo {
namespace {

std::int64_t now_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

}  // namespace

bool Sink::push(std::string frame) {
  if (frame.empty()) {
    return true;  // empty frames mean "end" to the consumer; never queue one by accident
  }
  return channel_.try_send(ErrorCode{}, std::move(frame));
}

void Sink::end() {
  if (!channel_.try_send(ErrorCode{}, std::string{})) {
    channel_.close();  // full or closed: stop the consumer without the remaining frames
  }
}

std::optional<EventId> parse_event_id(std::string_view text) {
  const auto sep = text.find('_');
  if (sep == std::string_view::npos) {
    return std::nullopt;
  }
  EventId id;
  const char* end = text.data() + sep;
  auto r1 = std::from_chars(text.data(), end, id.stream);
  if (r1.ec != std::errc{} || r1.ptr != end || sep == 0) {
    return std::nullopt;
  }
  const char* last = text.data() + text.size();
  auto r2 = std::from_chars(end + 1, last, id.seq);
  if (r2.ec != std::errc{} || r2.ptr != last || end + 1 == last) {
    return std::nullopt;
  }
  return id;
}

Session::Session(std::string id, SessionKind kind, std::string protocol)
    : id_(std::move(id)), kind_(kind), last_used_(now_ticks()), protocol_(std::move(protocol)) {
  live_.emplace(kGetStream, nullptr);
}

std::string Session::protocol() const {
  std::lock_guard lock(mu_);
  return protocol_;
}

void Session::set_protocol(std::string_view v) {
  std::lock_guard lock(mu_);
  protocol_ = v;
}

void Session::touch() { last_used_.store(now_ticks(), std::memory_order_relaxed); }

std::chrono::steady_clock::time_point Session::last_used() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_used_.load(std::memory_order_relaxed)));
}

std::uint32_t Session::open_stream() {
  std::lock_guard lock(mu_);
  const std::uint32_t stream = next_stream_++;
  live_.emplace(stream, nullptr);
  return stream;
}

void Session::record_locked(std::uint32_t stream, std::string_view data, bool with_id) {
  std::string frame;
  if (kind_ == SessionKind::old_sse) {
    frame = fmt::format("event: message\ndata: {}\n\n", data);
  } else {
    const std::uint64_t seq = ++next_seq_;
    frame = with_id ? fmt::format("id: {}_{}\ndata: {}\n\n", stream, seq, data)
                    : fmt::format("data: {}\n\n", data);
    ring_.push_back(Event{seq, stream, frame});
    if (ring_.size() > kRingSize) {
      ring_.pop_front();
    }
  }
  auto it = live_.find(stream);
  if (it != live_.end() && it->second) {
    it->second->push(std::move(frame));
  }
}

void Session::emit(std::uint32_t stream, std::string_view json) {
  std::lock_guard lock(mu_);
  if (!closed_) {
    record_locked(stream, json, true);
  }
}

void Session::emit_priming(std::uint32_t stream) {
  std::lock_guard lock(mu_);
  if (!closed_ && kind_ == SessionKind::streamable) {
    record_locked(stream, {}, true);
  }
}

void Session::finish_stream(std::uint32_t stream) {
  SinkPtr sink;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(stream);
    if (it == live_.end() || stream == kGetStream) {
      return;
    }
    sink = std::move(it->second);
    live_.erase(it);
  }
  if (sink) {
    sink->end();
  }
}

bool Session::attach(std::uint32_t stream, const SinkPtr& sink,
                     std::optional<std::uint64_t> after_seq) {
  SinkPtr previous;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      return false;
    }
    if (after_seq) {
      for (const Event& ev : ring_) {
        if (ev.stream == stream && ev.seq > *after_seq) {
          sink->push(ev.frame);
        }
      }
    }
    auto it = live_.find(stream);
    if (it == live_.end()) {
      sink->end();  // the stream already delivered its final response
      return true;
    }
    previous = std::exchange(it->second, sink);
  }
  if (previous) {
    previous->end();  // one consumer per stream: a message must not go to two streams
  }
  return true;
}

void Session::detach(std::uint32_t stream, const SinkPtr& sink) {
  std::lock_guard lock(mu_);
  auto it = live_.find(stream);
  if (it != live_.end() && it->second == sink) {
    it->second = nullptr;
  }
}

bool Session::push_raw(std::uint32_t stream, std::string frame) {
  std::lock_guard lock(mu_);
  auto it = live_.find(stream);
  return it != live_.end() && it->second && it->second->push(std::move(frame));
}

bool Session::has_consumer(std::uint32_t stream) {
  std::lock_guard lock(mu_);
  auto it = live_.find(stream);
  return it != live_.end() && it->second != nullptr;
}

void Session::close() {
  std::vector<SinkPtr> sinks;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [stream, sink] : live_) {
      if (sink) {
        sinks.push_back(std::move(sink));
      }
    }
    live_.clear();
  }
  for (auto& sink : sinks) {
    sink->end();
  }
}

std::string random_session_id() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (std::size_t i = 0; i < sizeof bytes; ++i) {
    id[2 * i] = kHex[bytes[i] >> 4];
    id[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return id;
}

SessionPtr SessionStore::create(SessionKind kind, std::string_view protocol) {
  auto session = std::make_shared<Session>(random_session_id(), kind, std::string(protocol));
  std::lock_guard lock(mu_);
  map_.emplace(session->id(), session);
  return session;
}

SessionPtr SessionStore::find(std::string_view id) {
  SessionPtr session;
  {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) {
      return nullptr;
    }
    session = it->second;
  }
  session->touch();
  return session;
}

bool SessionStore::erase(std::string_view id) {
  SessionPtr session;
  {
    std::lock_guard lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) {
      return false;
    }
    session = std::move(it->second);
    map_.erase(it);
  }
  session->close();
  return true;
}

std::size_t SessionStore::sweep_idle(std::chrono::steady_clock::time_point cutoff) {
  std::vector<SessionPtr> idle;
  {
    std::lock_guard lock(mu_);
    for (auto it = map_.begin(); it != map_.end();) {
      if (it->second->last_used() < cutoff && !it->second->has_consumer(Session::kGetStream)) {
        idle.push_back(std::move(it->second));
        it = map_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& session : idle) {
    session->close();
  }
  return idle.size();
}

void SessionStore::close_all() {
  std::vector<SessionPtr> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, session] : map_) {
      all.push_back(session);
    }
    map_.clear();
  }
  for (auto& session : all) {
    session->close();
  }
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace mcplb::demo
