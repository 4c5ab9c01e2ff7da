#include "engine/page_view_counts.h"

#include <gtest/gtest.h>

#include "engine/test_util.h"
#include "engine/window.h"

namespace clickstream {
namespace {
using testing_util::At;

const Duration kMinute = Duration::Minutes(1);

TEST(WindowStart, AlignedToTheEpochHalfOpen) {
  EXPECT_EQ(WindowStart(At("10:00"), kMinute), At("10:00"));  // an event on the edge opens the window
  EXPECT_EQ(WindowStart(At("10:00:59.999999"), kMinute), At("10:00"));
  EXPECT_EQ(WindowStart(EventTime::FromMicros(-1), kMinute), EventTime::FromMicros(-60'000'000));
}

TEST(PageViewCounts, CountsPerWindowAndPage) {
  PageViewCounts counts(kMinute);
  counts.Add(At("10:00"), "/a");
  counts.Add(At("10:00:59.999999"), "/a");
  counts.Add(At("10:00:30"), "/b");
  counts.Add(At("10:01"), "/a");  // the next window: [10:00, 10:01) excludes its end
  std::vector<PageViewCountRow> rows;
  counts.TakeChanges(Watermark(At("09:59")), &rows);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (PageViewCountRow{At("10:00"), At("10:01"), "/a", 2, false}));
  EXPECT_EQ(rows[1], (PageViewCountRow{At("10:00"), At("10:01"), "/b", 1, false}));
  EXPECT_EQ(rows[2], (PageViewCountRow{At("10:01"), At("10:02"), "/a", 1, false}));
  EXPECT_EQ(counts.open_windows(), 2u);
}

TEST(PageViewCounts, OnlyChangedRowsThenFinalRowsOnceAndFreed) {
  PageViewCounts counts(kMinute);
  counts.Add(At("10:00"), "/a");
  counts.Add(At("10:00"), "/b");
  std::vector<PageViewCountRow> rows;
  counts.TakeChanges(Watermark(At("09:59")), &rows);
  rows.clear();
  counts.Add(At("10:00:10"), "/a");
  counts.TakeChanges(Watermark(At("09:59")), &rows);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].view_count, 2);
  rows.clear();
  // W = window end exactly: final, every page once more.
  counts.TakeChanges(Watermark(At("10:01")), &rows);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].is_final && rows[1].is_final);
  EXPECT_EQ(counts.open_windows(), 0u);
  rows.clear();
  counts.TakeChanges(Watermark(At("10:05")), &rows);
  EXPECT_TRUE(rows.empty());
}

TEST(PageViewCounts, NotFinalOneMicrosecondBeforeTheEnd) {
  PageViewCounts counts(kMinute);
  counts.Add(At("10:00"), "/a");
  std::vector<PageViewCountRow> rows;
  counts.TakeChanges(Watermark(At("10:00:59.999999")), &rows);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].is_final);
}

}  // namespace
}  // namespace clickstream
