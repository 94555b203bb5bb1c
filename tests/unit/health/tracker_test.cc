#include "health/tracker.h"

#include <gtest/gtest.h>

namespace mcplb::health {
namespace {

TEST(Tracker, FlipsOnlyAtTheThresholds) {
  Tracker t(2, 3, Health::healthy);
  EXPECT_FALSE(t.record(false));
  EXPECT_TRUE(t.transitioning());
  EXPECT_FALSE(t.record(false));
  EXPECT_TRUE(t.record(false));  // third consecutive failure
  EXPECT_EQ(t.health(), Health::unhealthy);
  EXPECT_FALSE(t.transitioning());
  EXPECT_FALSE(t.record(false));  // no second flip
  EXPECT_FALSE(t.record(true));
  EXPECT_TRUE(t.transitioning());
  EXPECT_TRUE(t.record(true));  // second consecutive success
  EXPECT_EQ(t.health(), Health::healthy);
  EXPECT_EQ(t.successes(), 2u);
  EXPECT_FALSE(t.record(true));
}

TEST(Tracker, AnInterruptedStreakStartsOver) {
  Tracker t(2, 3, Health::healthy);
  t.record(false);
  t.record(false);
  t.record(true);  // resets the failures
  EXPECT_FALSE(t.transitioning());
  EXPECT_FALSE(t.record(false));
  EXPECT_FALSE(t.record(false));
  EXPECT_TRUE(t.record(false));
}

TEST(Tracker, StartsWhereItIsTold) {
  Tracker t(1, 1, Health::unhealthy);
  EXPECT_EQ(t.health(), Health::unhealthy);
  EXPECT_TRUE(t.record(true));
  EXPECT_TRUE(t.record(false));
  Tracker zero(0, 0, Health::healthy);  // thresholds below 1 act as 1
  EXPECT_TRUE(zero.record(false));
}

}  // namespace
}  // namespace mcplb::health
