#include "session_store.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace mcplb::demo {
namespace {

/// Frames currently queued in a sink; "<end>" for the end marker.
std::vector<std::string> drain(Sink& sink) {
  std::vector<std::string> frames;
  while (sink.channel().try_receive([&](ErrorCode, std::string frame) {
    frames.push_back(frame.empty() ? "<end>" : std::move(frame));
  })) {
  }
  return frames;
}

class SessionTest : public ::testing::Test {
 protected:
  SinkPtr make_sink() { return std::make_shared<Sink>(ioc_.get_executor()); }
  asio::io_context ioc_;
  Session session_{"s1", SessionKind::streamable, "2025-11-25"};
};

TEST(EventId, Parses) {
  auto id = parse_event_id("3_17");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->stream, 3u);
  EXPECT_EQ(id->seq, 17u);
  EXPECT_FALSE(parse_event_id(""));
  EXPECT_FALSE(parse_event_id("17"));
  EXPECT_FALSE(parse_event_id("_1"));
  EXPECT_FALSE(parse_event_id("1_"));
  EXPECT_FALSE(parse_event_id("1_2x"));
  EXPECT_FALSE(parse_event_id("a_2"));
}

TEST_F(SessionTest, LiveEventsGoToTheConsumerWithIds) {
  auto sink = make_sink();
  ASSERT_TRUE(session_.attach(Session::kGetStream, sink, std::nullopt));
  session_.emit(Session::kGetStream, R"({"a":1})");
  EXPECT_EQ(drain(*sink), std::vector<std::string>{"id: 0_1\ndata: {\"a\":1}\n\n"});
}

TEST_F(SessionTest, ReplaysOnlyLaterEventsOfTheSameStream) {
  const std::uint32_t post = session_.open_stream();
  session_.emit(Session::kGetStream, "g1");  // seq 1
  session_.emit(post, "p1");                 // seq 2
  session_.emit(Session::kGetStream, "g2");  // seq 3
  auto sink = make_sink();
  session_.attach(Session::kGetStream, sink, 1);
  EXPECT_EQ(drain(*sink), std::vector<std::string>{"id: 0_3\ndata: g2\n\n"});
}

TEST_F(SessionTest, FinishedStreamIsReplayedThenEnded) {
  const std::uint32_t post = session_.open_stream();
  session_.emit_priming(post);
  session_.emit(post, "progress");
  session_.emit(post, "result");
  session_.finish_stream(post);
  auto sink = make_sink();
  EXPECT_TRUE(session_.attach(post, sink, 1));
  EXPECT_EQ(drain(*sink), (std::vector<std::string>{"id: 1_2\ndata: progress\n\n",
                                                    "id: 1_3\ndata: result\n\n", "<end>"}));
}

TEST_F(SessionTest, ResumingARunningStreamTakesItOver) {
  const std::uint32_t post = session_.open_stream();
  auto first = make_sink();
  session_.attach(post, first, std::nullopt);
  session_.emit(post, "one");
  auto second = make_sink();
  session_.attach(post, second, 1);
  session_.emit(post, "two");
  session_.finish_stream(post);
  EXPECT_EQ(drain(*first), (std::vector<std::string>{"id: 1_1\ndata: one\n\n", "<end>"}));
  EXPECT_EQ(drain(*second), (std::vector<std::string>{"id: 1_2\ndata: two\n\n", "<end>"}));
}

TEST_F(SessionTest, RingIsBounded) {
  for (int i = 0; i < 300; ++i) {
    session_.emit(Session::kGetStream, "x");
  }
  auto sink = make_sink();
  session_.attach(Session::kGetStream, sink, 0);
  auto frames = drain(*sink);
  ASSERT_EQ(frames.size(), Session::kRingSize);
  EXPECT_EQ(frames.front(), "id: 0_45\ndata: x\n\n");
}

TEST_F(SessionTest, CloseEndsConsumersAndRefusesNewOnes) {
  auto sink = make_sink();
  session_.attach(Session::kGetStream, sink, std::nullopt);
  session_.close();
  EXPECT_EQ(drain(*sink), std::vector<std::string>{"<end>"});
  EXPECT_FALSE(session_.attach(Session::kGetStream, make_sink(), std::nullopt));
}

TEST_F(SessionTest, DetachStopsDeliveryButKeepsRecording) {
  auto sink = make_sink();
  session_.attach(Session::kGetStream, sink, std::nullopt);
  session_.detach(Session::kGetStream, sink);
  EXPECT_FALSE(session_.has_consumer(Session::kGetStream));
  session_.emit(Session::kGetStream, "later");
  EXPECT_TRUE(drain(*sink).empty());
  auto again = make_sink();
  session_.attach(Session::kGetStream, again, 0);
  EXPECT_EQ(drain(*again).size(), 1u);
}

TEST(OldSseSession, SendsMessageEventsWithoutIds) {
  asio::io_context ioc;
  Session session("s", SessionKind::old_sse, "2024-11-05");
  auto sink = std::make_shared<Sink>(ioc.get_executor());
  session.attach(Session::kGetStream, sink, std::nullopt);
  session.emit(Session::kGetStream, "{}");
  EXPECT_EQ(drain(*sink), std::vector<std::string>{"event: message\ndata: {}\n\n"});
}

TEST(SessionStore, CreateFindEraseSweep) {
  SessionStore store;
  auto a = store.create(SessionKind::streamable, "2025-06-18");
  auto b = store.create(SessionKind::streamable, "2025-06-18");
  EXPECT_EQ(a->id().size(), 32u);
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(store.find(a->id()), a);
  EXPECT_EQ(store.find("nope"), nullptr);
  EXPECT_TRUE(store.erase(a->id()));
  EXPECT_FALSE(store.erase(a->id()));
  EXPECT_EQ(store.size(), 1u);
  // b is idle before a cutoff in the future, but an open GET stream keeps it.
  asio::io_context ioc;
  auto sink = std::make_shared<Sink>(ioc.get_executor());
  b->attach(Session::kGetStream, sink, std::nullopt);
  const auto later = std::chrono::steady_clock::now() + std::chrono::hours(1);
  EXPECT_EQ(store.sweep_idle(later), 0u);
  b->detach(Session::kGetStream, sink);
  EXPECT_EQ(store.sweep_idle(later), 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, RandomIdsAreHex) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const std::string id = random_session_id();
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace mcplb::demo
