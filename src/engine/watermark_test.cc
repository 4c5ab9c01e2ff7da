#include "engine/watermark.h"

#include <gtest/gtest.h>

#include "engine/test_util.h"

namespace clickstream {
namespace {
using testing_util::At;

TEST(WatermarkTracker, NoneBeforeTheFirstEvent) {
  WatermarkTracker w(Duration::Minutes(2));
  EXPECT_FALSE(w.watermark().is_set());
  EXPECT_FALSE(w.IsLate(EventTime::FromMicros(-1'000'000'000'000)));
}

TEST(WatermarkTracker, TrailsTheLargestAcceptedTimeByTheLateness) {
  WatermarkTracker w(Duration::Minutes(2));
  EXPECT_TRUE(w.Accept(At("10:05")));
  EXPECT_EQ(w.watermark(), Watermark(At("10:03")));
  EXPECT_FALSE(w.Accept(At("10:04")));  // earlier events do not move it
  EXPECT_EQ(w.watermark(), Watermark(At("10:03")));
  EXPECT_TRUE(w.Accept(At("10:06")));
  EXPECT_EQ(w.watermark(), Watermark(At("10:04")));
}

TEST(WatermarkTracker, LateIsStrictlyBeforeW) {
  WatermarkTracker w(Duration::Minutes(2));
  (void)w.Accept(At("10:05"));
  EXPECT_FALSE(w.IsLate(At("10:03")));  // exactly at W: on time
  EXPECT_TRUE(w.IsLate(At("10:02:59.999999")));
  EXPECT_EQ(w.Lateness(At("10:02:59.999999")), Duration::Micros(1));
  EXPECT_EQ(w.Lateness(At("09:58")), Duration::Minutes(5));
}

}  // namespace
}  // namespace clickstream
