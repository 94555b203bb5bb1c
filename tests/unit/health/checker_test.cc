// The checker with the http probe against in-test servers on 127.0.0.1: thresholds, failure
// kinds, scheduling, what is written into the Backend, and stop().

#include "health/checker.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "test_servers.h"

namespace mcplb::health::test {
namespace {

using Type = ProbeSpec::Type;

std::vector<Target> one(const pool::BackendPtr& b, const net::tcp::endpoint& ep,
                        std::shared_ptr<ProbeSpec> spec) {
  return {Target{b, ep, std::move(spec), "p"}};
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// Index of the first probe after `from` whose health is `h`, or npos.
size_t first_with(const std::vector<Recorder::Probe>& p, size_t from, Health h) {
  for (size_t i = from; i < p.size(); ++i) {
    if (p[i].health == h) {
      return i;
    }
  }
  return std::string::npos;
}

TEST(Checker, HttpUpDownWithExactThresholds) {
  ScriptedServer server;
  auto b = make_backend("b1", server.address());
  Recorder rec;
  Checker checker(one(b, server.endpoint(), quick_spec()), rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_probes("b1", 3));
  EXPECT_TRUE(rec.flips("b1").empty());
  EXPECT_TRUE(b->ready(steady_now_ns()));

  server.set_status(503);
  ASSERT_TRUE(rec.wait_flips("b1", 1));
  EXPECT_EQ(b->state.load(), pool::BackendState::unhealthy);
  const int64_t before_recovery = steady_now_ns();
  server.set_status(200);
  ASSERT_TRUE(rec.wait_flips("b1", 2));
  EXPECT_EQ(b->state.load(), pool::BackendState::healthy);
  EXPECT_GE(b->up_since_ns.load(), before_recovery);
  EXPECT_LE(b->up_since_ns.load(), steady_now_ns());
  // Steady again: no further flips over several more probes.
  const size_t seen = rec.probes("b1").size();
  ASSERT_TRUE(rec.wait_probes("b1", seen + 5));
  checker.stop();

  auto flips = rec.flips("b1");
  ASSERT_EQ(flips.size(), 2u);
  EXPECT_EQ(flips[0].from, Health::healthy);
  EXPECT_EQ(flips[0].to, Health::unhealthy);
  EXPECT_EQ(flips[0].reason, "3 consecutive failures, last: status 503 (expected 200-399)");
  EXPECT_TRUE(flips[0].written);
  EXPECT_EQ(flips[1].to, Health::healthy);
  EXPECT_EQ(flips[1].reason, "2 consecutive successes");

  // The flips happened exactly at the 3rd failure and the 2nd success.
  auto p = rec.probes("b1");
  const size_t down = first_with(p, 0, Health::unhealthy);
  ASSERT_NE(down, std::string::npos);
  ASSERT_GE(down, 3u);
  EXPECT_TRUE(!p[down].ok && !p[down - 1].ok && !p[down - 2].ok && p[down - 3].ok);
  const size_t up = first_with(p, down, Health::healthy);
  ASSERT_NE(up, std::string::npos);
  EXPECT_TRUE(p[up].ok && p[up - 1].ok && !p[up - 2].ok);
  for (size_t i = up; i < p.size(); ++i) {
    EXPECT_TRUE(p[i].ok);
  }
}

TEST(Checker, ConnectionRefused) {
  const unsigned short port = closed_port();
  auto b = make_backend("b1", "127.0.0.1:" + std::to_string(port));
  Recorder rec;
  Checker checker(one(b, {net::asio::ip::make_address("127.0.0.1"), port}, quick_spec()),
                  rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("b1", 1));
  checker.stop();
  auto flips = rec.flips("b1");
  EXPECT_EQ(flips[0].reason, "3 consecutive failures, last: connect refused");
  EXPECT_EQ(first_with(rec.probes("b1"), 0, Health::unhealthy), 2u);  // the third probe
  EXPECT_FALSE(b->ready(steady_now_ns()));
  auto st = checker.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].health, Health::unhealthy);
  EXPECT_GE(st[0].consecutive_failures, 3u);
  EXPECT_EQ(st[0].failed_probes, st[0].probes);
  EXPECT_EQ(st[0].last_detail, "connect refused");
}

TEST(Checker, ServerThatNeverAnswersTimesOut) {
  ScriptedServer server;
  server.set_mode(ScriptedServer::Mode::silent);
  auto b = make_backend("b1", server.address());
  auto spec = quick_spec();
  spec->timeout = std::chrono::milliseconds(60);
  spec->unhealthy_threshold = 1;
  Recorder rec;
  Checker checker(one(b, server.endpoint(), spec), rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("b1", 1));
  checker.stop();
  auto p = rec.probes("b1");
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p[0].detail, "timeout after 60 ms (read response)");
  EXPECT_GE(ms(p[0].took), 55.0);
  EXPECT_LT(ms(p[0].took), 1000.0);
  std::printf("[ measured ] timeout probe took %.1f ms (timeout 60 ms)\n", ms(p[0].took));
}

TEST(Checker, StatusRangeIsConfigurable) {
  ScriptedServer server;
  server.set_status(302);
  auto loose = quick_spec();  // 200-399
  auto strict = quick_spec();
  strict->expect_max = 299;
  auto b1 = make_backend("loose", server.address());
  auto b2 = make_backend("strict", server.address());
  Recorder rec;
  Checker checker({Target{b1, server.endpoint(), loose, "p"},
                   Target{b2, server.endpoint(), strict, "p"}},
                  rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("strict", 1));
  ASSERT_TRUE(rec.wait_probes("loose", 6));
  checker.stop();
  EXPECT_EQ(rec.flips("strict")[0].reason,
            "3 consecutive failures, last: status 302 (expected 200-299)");
  EXPECT_TRUE(rec.flips("loose").empty());
  EXPECT_EQ(rec.probes("loose").front().detail, "status 302");
  EXPECT_TRUE(b1->ready(steady_now_ns()));
  EXPECT_FALSE(b2->ready(steady_now_ns()));
}

TEST(Checker, FastRecheckDetectsWellBelowTheInterval) {
  ScriptedServer server;
  server.set_status(500);
  auto spec = quick_spec();
  spec->interval = std::chrono::milliseconds(2000);
  spec->fast_recheck = std::chrono::milliseconds(20);
  auto b = make_backend("b1", server.address());
  Recorder rec;
  Checker checker(one(b, server.endpoint(), spec), rec.observer());
  const auto t0 = Clock::now();
  checker.start();
  ASSERT_TRUE(rec.wait_flips("b1", 1));
  checker.stop();
  auto p = rec.probes("b1");
  ASSERT_EQ(p.size(), 3u);
  // From the start of the first failed probe (probes are scheduled start to start).
  const double detect = ms(rec.flips("b1")[0].at - (p[0].at - p[0].took));
  std::printf(
      "[ measured ] first failure -> unhealthy: %.1f ms (fast_recheck 20 ms x 2; interval "
      "2000 ms); start -> unhealthy: %.1f ms\n",
      detect, ms(rec.flips("b1")[0].at - t0));
  EXPECT_GE(detect, 39.0);
  EXPECT_LT(detect, 500.0);  // without the fast re-check: 2 x 2000 ms
}

TEST(Checker, WithoutFastRecheckDetectionTakesIntervals) {
  ScriptedServer server;
  server.set_status(500);
  auto spec = quick_spec();
  spec->interval = std::chrono::milliseconds(150);
  spec->fast_recheck = std::chrono::milliseconds(0);
  auto b = make_backend("b1", server.address());
  Recorder rec;
  Checker checker(one(b, server.endpoint(), spec), rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("b1", 1));
  checker.stop();
  auto p = rec.probes("b1");
  const double detect = ms(rec.flips("b1")[0].at - (p[0].at - p[0].took));
  std::printf("[ measured ] first failure -> unhealthy without fast re-check: %.1f ms "
              "(interval 150 ms x 2)\n",
              detect);
  EXPECT_GE(detect, 299.0);
}

TEST(Checker, RecoverySetsUpSinceForSlowStart) {
  ScriptedServer server;
  auto b = make_backend("b1", server.address());
  b->state.store(pool::BackendState::unhealthy);  // e.g. carried over by a reload
  Recorder rec;
  const int64_t t0 = steady_now_ns();
  Checker checker(one(b, server.endpoint(), quick_spec()), rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("b1", 1));
  checker.stop();
  EXPECT_EQ(first_with(rec.probes("b1"), 0, Health::healthy), 1u);  // healthy_threshold 2
  EXPECT_EQ(rec.flips("b1")[0].to, Health::healthy);
  EXPECT_TRUE(b->ready(steady_now_ns()));
  const int64_t up = b->up_since_ns.load();
  EXPECT_GT(up, t0);
  EXPECT_LE(up, steady_now_ns());
}

TEST(Checker, DrainingIsNeverOverwrittenButHealthIsTracked) {
  ScriptedServer server;
  server.set_status(503);
  auto b = make_backend("b1", server.address());
  b->state.store(pool::BackendState::draining);
  Recorder rec;
  Checker checker(one(b, server.endpoint(), quick_spec()), rec.observer());
  checker.start();
  ASSERT_TRUE(rec.wait_flips("b1", 1));
  EXPECT_EQ(b->state.load(), pool::BackendState::draining);
  EXPECT_EQ(checker.health_of(*b), Health::unhealthy);
  server.set_status(200);
  ASSERT_TRUE(rec.wait_flips("b1", 2));
  checker.stop();
  auto flips = rec.flips("b1");
  EXPECT_FALSE(flips[0].written);
  EXPECT_FALSE(flips[1].written);
  EXPECT_EQ(flips[1].to, Health::healthy);
  EXPECT_EQ(b->state.load(), pool::BackendState::draining);
  EXPECT_GT(b->up_since_ns.load(), 0);
  EXPECT_EQ(checker.health_of(*b), Health::healthy);
  auto other = make_backend("x", "");
  EXPECT_EQ(checker.health_of(*other), std::nullopt);
}

TEST(Checker, StopIsPromptWhileProbesAreInFlight) {
  ScriptedServer server;
  server.set_mode(ScriptedServer::Mode::silent);
  auto http = quick_spec();
  http->timeout = std::chrono::milliseconds(30000);
  auto mcp = quick_spec(Type::mcp);
  mcp->timeout = std::chrono::milliseconds(30000);
  auto b1 = make_backend("b1", server.address());
  auto b2 = make_backend("b2", server.address());
  Recorder rec;
  Checker checker({Target{b1, server.endpoint(), http, "p"},
                   Target{b2, server.endpoint(), mcp, "p"}},
                  rec.observer());
  checker.start();
  ASSERT_TRUE(server.wait_requests(2));  // both probes are waiting for an answer now
  const auto t0 = Clock::now();
  checker.stop();
  const double took = ms(Clock::now() - t0);
  std::printf("[ measured ] stop() with 2 probes in flight: %.2f ms\n", took);
  EXPECT_LT(took, 500.0);
  EXPECT_TRUE(rec.probes("b1").empty());  // aborted probes say nothing about the backend
  EXPECT_TRUE(rec.probes("b2").empty());
  EXPECT_TRUE(b1->ready(steady_now_ns()));
  checker.stop();  // idempotent
}

TEST(Checker, ManyBackendsProbedConcurrently) {
  ScriptedServer up;
  const unsigned short down = closed_port();
  std::vector<Target> targets;
  std::vector<pool::BackendPtr> backends;
  auto spec = quick_spec();
  spec->jitter = 0.2;  // spread first probes and intervals
  for (int i = 0; i < 40; ++i) {
    const bool ok = i % 4 != 0;
    auto b = make_backend("b" + std::to_string(i), "");
    backends.push_back(b);
    targets.push_back(Target{
        b, ok ? up.endpoint() : net::tcp::endpoint{net::asio::ip::make_address("127.0.0.1"), down},
        spec, "p"});
  }
  Recorder rec;
  Checker checker(std::move(targets), rec.observer());
  checker.start();
  for (int i = 0; i < 40; ++i) {
    const std::string name = "b" + std::to_string(i);
    if (i % 4 == 0) {
      ASSERT_TRUE(rec.wait_flips(name, 1)) << name;
    } else {
      ASSERT_TRUE(rec.wait_probes(name, 4)) << name;
    }
    (void)checker.status();  // concurrent reads are safe
  }
  checker.stop();
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(backends[i]->ready(steady_now_ns()), i % 4 != 0) << i;
    EXPECT_EQ(rec.flips("b" + std::to_string(i)).size(), i % 4 == 0 ? 1u : 0u) << i;
  }
}

TEST(Checker, RejectsInvalidSpecs) {
  auto b = make_backend("b1", "");
  auto spec = quick_spec();
  spec->path = "/a b";
  EXPECT_THROW(Checker(one(b, {}, spec)), std::invalid_argument);
  spec = quick_spec();
  spec->expect_min = 400;
  spec->expect_max = 300;
  EXPECT_THROW(Checker(one(b, {}, spec)), std::invalid_argument);
  EXPECT_EQ(validate(*quick_spec()), "");
  EXPECT_EQ(validate(ProbeSpec{}), "");
  Checker idle({}, {});  // no targets: start and stop still work
  idle.start();
  idle.stop();
}

}  // namespace
}  // namespace mcplb::health::test
