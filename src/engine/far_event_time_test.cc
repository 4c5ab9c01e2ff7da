// Event times far from each other (SPEC.md section 1, hostile input): memory and time per event must not
// grow with the distance in event time. One event dated 9999-12-31 after events of 2026, or one of
// 0001-01-01 before them, costs a few windows, not one per minute in between.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <string>

#include "common/rfc3339.h"
#include "engine/active_users.h"
#include "engine/test_util.h"

namespace clickstream {
namespace {
using testing_util::EngineHarness;

// A regression would allocate one window per minute in between (billions): cap the address space so that
// it fails here with bad_alloc instead of taking the machine's memory. The sanitizers reserve terabytes of
// address space for their shadow memory: there their hard_rss_limit_mb (make test-sanitize) caps it.
class FarEventTime : public testing::Test {
 protected:
  static void SetUpTestSuite() {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    rlimit limit{};
    ASSERT_EQ(getrlimit(RLIMIT_AS, &limit), 0);
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, rlim_t{2} << 30);
    ASSERT_EQ(setrlimit(RLIMIT_AS, &limit), 0);
#endif
  }
};

EventTime T(std::string_view text) { return *ParseRfc3339(text); }

Event PageView(std::string_view time, std::string_view user) {
  return Event{T(time), std::string(user), "https://example.com/home", EventType::kPageView};
}

TEST_F(FarEventTime, ActiveUsersKeepOnlyTheWindowsOfEvents) {
  ActiveUsers active(Duration::Minutes(5), Duration::Minutes(1));
  UserActivity a, b;
  active.Add(T("0001-01-01T00:00:00Z"), &a);
  active.Add(T("2026-03-01T10:00:00Z"), &b);
  active.Add(T("9999-12-31T23:59:59.999999Z"), &a);
  EXPECT_EQ(active.open_windows(), 15u);
  std::vector<ActiveUsersRow> rows;
  active.TakeChanges(Watermark(T("9999-12-31T23:57:59.999999Z")), &rows);
  EXPECT_EQ(rows.size(), 15u);
  EXPECT_EQ(active.open_windows(), 5u);  // the year 9999 ones: they end in year 10000, after W
  EXPECT_EQ(rows.front().window_start, kEarliestTime - Duration::Minutes(4));
  EXPECT_EQ(rows.back().window_end, T("9999-12-31T23:59:00Z") + Duration::Minutes(5));
  EXPECT_EQ(active.Expiry(a), T("9999-12-31T23:59:00Z") + Duration::Minutes(5));
}

TEST_F(FarEventTime, OneEventOfYear9999AfterEventsOf2026CostsAFewWindows) {
  const auto started = std::chrono::steady_clock::now();
  EngineHarness h;
  for (int i = 0; i < 50; ++i) {
    (void)h.Add(PageView("2026-03-01T10:00:00Z", "user_" + std::to_string(i)));
  }
  h.Take();
  EXPECT_FALSE(h.Add(PageView("9999-12-31T23:59:00Z", "user_1")).late);
  EXPECT_EQ(h.engine.open_windows(), 1u + 5u + 1u + 5u);  // 2026's and 9999's, until TakeChanges
  // Snapshots hold the two ranges and nothing in between.
  const std::string snapshot = h.engine.SaveState();
  EXPECT_LT(snapshot.size(), 16384u);
  auto restored = PartitionEngine::Restore(snapshot, EngineOptions{});
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->SaveState(), snapshot);
  EXPECT_EQ(restored->open_windows(), h.engine.open_windows());

  h.Take();
  EXPECT_EQ(h.engine.open_windows(), 1u + 5u);
  // 2026 is over: its windows and sessions are final and freed.
  for (const auto& [key, row] : h.table.page_view_counts()) {
    EXPECT_EQ(row.is_final, key.first < T("9999-01-01T00:00:00Z"));
  }
  EXPECT_EQ(h.table.user_sessions().size(), 50u);
  EXPECT_EQ(h.engine.tracked_users(), 1u);
  EXPECT_EQ(h.engine.open_sessions(), 1u);
  // Later events of 2026 are late, and reported as such.
  EXPECT_TRUE(h.Add(PageView("2026-03-01T10:01:00Z", "user_2")).late);
  EXPECT_EQ(h.Take().late_events.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(FarEventTime, FirstEventOfYear1ThenYear9999) {
  EngineHarness h;
  (void)h.Add(PageView("0001-01-01T00:00:00Z", "a"));
  (void)h.Add(PageView("0001-01-01T00:00:30Z", "b"));
  EXPECT_EQ(h.engine.open_windows(), 1u + 5u);
  (void)h.Add(PageView("2026-03-01T10:00:00Z", "a"));
  (void)h.Add(PageView("9999-12-31T23:59:59.999999Z", "b"));
  EXPECT_EQ(h.engine.open_windows(), 3u * (1u + 5u));
  h.Take();
  EXPECT_EQ(h.engine.open_windows(), 1u + 5u);  // year 9999's: they end in year 10000, after W
  EXPECT_EQ(h.table.page_view_counts().size(), 3u);
  EXPECT_EQ(h.table.active_users().size(), 15u);
  EXPECT_EQ(h.table.active_users().begin()->second.active_user_count, 2);
  // a's sessions of year 1 and 2026 are final; b's of year 9999 is open.
  EXPECT_EQ(h.table.sessions().size(), 4u);
  EXPECT_EQ(h.engine.open_sessions(), 1u);
}

TEST_F(FarEventTime, EventsAlternatingBetweenFarApartTimesStayCheap) {
  EngineHarness h;
  const char* times[] = {"0001-01-01T00:00:00Z", "3000-06-15T12:00:00Z", "2026-03-01T10:00:00Z",
                         "9999-12-31T23:59:59.999999Z", "5000-01-01T00:00:00Z"};
  for (int round = 0; round < 200; ++round) {
    for (const char* t : times) (void)h.Add(PageView(t, "user_" + std::to_string(round % 7)));
    if (round % 10 == 0) h.Take();
  }
  h.Take();
  EXPECT_LE(h.engine.open_windows(), 1u + 5u);
  EXPECT_LE(h.engine.tracked_users(), 7u);
}

}  // namespace
}  // namespace clickstream
