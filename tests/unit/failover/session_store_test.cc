// The memory session store behind failover: records, moves (first mover wins), eviction.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "proxy/session_store.h"

namespace mcplb::proxy {
namespace {

TEST(SessionStore, RemembersInitializeAndForgets) {
  SessionStore s(10);
  EXPECT_FALSE(s.initialize_of("a", "s1"));
  s.remember("a", "s1", R"({"method":"initialize"})");
  ASSERT_TRUE(s.initialize_of("a", "s1"));
  EXPECT_EQ(*s.initialize_of("a", "s1"), R"({"method":"initialize"})");
  EXPECT_FALSE(s.initialize_of("b", "s1"));  // the backend is part of the key
  EXPECT_FALSE(s.initialize_of("a", "s2"));
  s.forget("a", "s1");
  EXPECT_FALSE(s.initialize_of("a", "s1"));
  EXPECT_EQ(s.size(), 0u);
}

TEST(SessionStore, KeyHasNoAmbiguity) {
  SessionStore s(10);
  s.remember("ab", "c", "x");
  EXPECT_FALSE(s.initialize_of("a", "bc"));
}

TEST(SessionStore, MoveRecordsLocationAndFirstMoverWins) {
  SessionStore s(10);
  s.remember("a", "s1", "init");
  EXPECT_FALSE(s.moved_any());
  EXPECT_FALSE(s.location("a", "s1"));
  auto first = s.move("a", "s1", std::nullopt, {1, "n1"});
  EXPECT_EQ(first.backend, 1u);
  EXPECT_TRUE(s.moved_any());
  // A second request that also saw "not moved" joins the first one's result.
  auto second = s.move("a", "s1", std::nullopt, {2, "n2"});
  EXPECT_EQ(second.backend, 1u);
  EXPECT_EQ(second.session_id, "n1");
  // A request that saw the current location may move it on (its backend died too).
  auto third = s.move("a", "s1", SessionStore::Location{1, "n1"}, {2, "n3"});
  EXPECT_EQ(third.backend, 2u);
  EXPECT_EQ(s.location("a", "s1")->session_id, "n3");
}

TEST(SessionStore, MoveOfUnknownSessionKeepsNothing) {
  SessionStore s(10);
  auto to = s.move("a", "gone", std::nullopt, {1, "n"});
  EXPECT_EQ(to.session_id, "n");
  EXPECT_FALSE(s.location("a", "gone"));
}

TEST(SessionStore, BoundedOldestGoFirst) {
  SessionStore s(3);
  for (int i = 0; i < 5; ++i) {
    s.remember("a", "s" + std::to_string(i), "init");
  }
  EXPECT_EQ(s.size(), 3u);
  EXPECT_FALSE(s.initialize_of("a", "s0"));
  EXPECT_FALSE(s.initialize_of("a", "s1"));
  EXPECT_TRUE(s.initialize_of("a", "s4"));
  // At the bound a new session pushes out the oldest (s2); forgotten keys make room and their
  // stale places in the eviction order do not push out the newer live ones.
  for (int i = 0; i < 1000; ++i) {
    s.remember("b", "t" + std::to_string(i), "init");
    s.forget("b", "t" + std::to_string(i));
  }
  EXPECT_FALSE(s.initialize_of("a", "s2"));
  EXPECT_TRUE(s.initialize_of("a", "s3"));
  EXPECT_TRUE(s.initialize_of("a", "s4"));
  EXPECT_EQ(s.size(), 2u);
}

TEST(SessionStore, ConcurrentMovesAgree) {
  SessionStore s(100);
  s.remember("a", "s", "init");
  std::vector<std::thread> threads;
  std::vector<SessionStore::Location> got(8);
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] { got[t] = s.move("a", "s", std::nullopt, {t, "n" + std::to_string(t)}); });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (const auto& g : got) {
    EXPECT_EQ(g.backend, got[0].backend);
    EXPECT_EQ(g.session_id, got[0].session_id);
  }
}

}  // namespace
}  // namespace mcplb::proxy
