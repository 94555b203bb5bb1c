#pragma once
// Notifiers that put a request's notifications on an SSE stream.

#include <fmt/format.h>

#include "methods.h"
#include "session_store.h"

namespace mcplb::demo {

/// Stateless (2026-07-28) response stream: events carry no id (no resumption).
class SinkNotifier final : public Notifier {
 public:
  explicit SinkNotifier(Sink& sink) : sink_(sink) {}
  void send(std::string_view json) override { sink_.push(fmt::format("data: {}\n\n", json)); }

 private:
  Sink& sink_;
};

/// A stream of a session: recorded for Last-Event-ID replay, then sent to its consumer.
class SessionNotifier final : public Notifier {
 public:
  SessionNotifier(Session& session, std::uint32_t stream) : session_(session), stream_(stream) {}
  void send(std::string_view json) override { session_.emit(stream_, json); }

 private:
  Session& session_;
  std::uint32_t stream_;
};

}  // namespace mcplb::demo
