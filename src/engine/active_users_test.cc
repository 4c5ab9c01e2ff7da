#include "engine/active_users.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/options.h"
#include "engine/test_util.h"
#include "engine/window.h"

namespace clickstream {
namespace {
using testing_util::At;

class ActiveUsersTest : public testing::Test {
 protected:
  void Add(std::string_view hh_mm, const std::string& user) { active.Add(At(hh_mm), &users[user]); }
  std::map<EventTime, ActiveUsersRow> Take(Watermark w) {
    std::vector<ActiveUsersRow> rows;
    active.TakeChanges(w, &rows);
    std::map<EventTime, ActiveUsersRow> by_start;
    for (const auto& row : rows) EXPECT_TRUE(by_start.emplace(row.window_start, row).second);
    return by_start;
  }

  ActiveUsers active{Duration::Minutes(5), Duration::Minutes(1)};
  std::map<std::string, UserActivity> users;
};

TEST_F(ActiveUsersTest, EachEventBelongsToFiveWindows) {
  Add("10:02:30", "a");
  const auto rows = Take(Watermark::None());
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows.begin()->first, At("09:58"));
  EXPECT_EQ(rows.rbegin()->first, At("10:02"));
  for (const auto& [start, row] : rows) {
    EXPECT_EQ(row.window_end, start + Duration::Minutes(5));
    EXPECT_EQ(row.active_user_count, 1);
  }
}

TEST_F(ActiveUsersTest, DistinctUsersExactly) {
  Add("10:00", "a");
  Add("10:01", "a");  // same user in overlapping windows: counted once in each
  Add("10:04:59.999999", "a");
  Add("10:03", "b");
  const auto rows = Take(Watermark::None());
  EXPECT_EQ(rows.at(At("10:00")).active_user_count, 2);  // [10:00, 10:05): a, b
  EXPECT_EQ(rows.at(At("09:56")).active_user_count, 1);  // [09:56, 10:01): a
  EXPECT_EQ(rows.at(At("10:01")).active_user_count, 2);  // [10:01, 10:06): a, b
  EXPECT_EQ(rows.at(At("10:04")).active_user_count, 1);  // [10:04, 10:09): a only
}

TEST_F(ActiveUsersTest, EventOnTheEdgeBelongsToTheWindowItStarts) {
  Add("10:05", "a");
  const auto rows = Take(Watermark::None());
  EXPECT_TRUE(rows.contains(At("10:05")));   // [10:05, 10:10)
  EXPECT_FALSE(rows.contains(At("10:00")));  // [10:00, 10:05) excludes 10:05
}

TEST_F(ActiveUsersTest, FinalWhenWatermarkReachesTheEnd) {
  Add("10:00", "a");
  (void)Take(Watermark::None());
  const auto rows = Take(Watermark(At("10:01")));
  ASSERT_EQ(rows.size(), 1u);  // only [09:56, 10:01) became final
  EXPECT_TRUE(rows.at(At("09:56")).is_final);
  EXPECT_EQ(active.open_windows(), 4u);
  EXPECT_EQ(active.Expiry(users["a"]), At("10:05"));
}

TEST_F(ActiveUsersTest, UsersReturningAfterLongIdleAreCountedAgain) {
  Add("10:00", "a");
  Add("12:00", "a");  // shifts the user's bitmap far past its base
  Add("11:58", "a");
  const auto rows = Take(Watermark::None());
  EXPECT_EQ(rows.at(At("11:57")).active_user_count, 1);
  EXPECT_EQ(rows.size(), 5u + 5u + 2u);
}

// Random settings the engine accepts, from 1-step windows to 1-hour windows sliding by 30 s, and events as
// the engine admits them (at most the lateness behind the latest, with jumps far ahead): every window
// counts exactly the distinct users of its events, as a set per window does.
TEST(ActiveUsersSettings, EverySettingCountsDistinctUsersExactly) {
  std::mt19937_64 rng(28);
  for (int round = 0; round < 100; ++round) {
    EngineOptions o;
    o.active_users_slide = Duration::Seconds(1 + static_cast<int64_t>(rng() % 120));
    const int64_t slide = o.active_users_slide.micros();
    o.active_users_window = Duration::Micros(slide * (1 + static_cast<int64_t>(rng() % 120)));
    o.allowed_lateness = Duration::Micros(static_cast<int64_t>(rng() % (kMaxLatenessSteps * slide + 1)));
    ASSERT_TRUE(o.Validate().ok()) << o.ToString();
    ActiveUsers active(o.active_users_window, o.active_users_slide);
    std::map<std::string, UserActivity> users;
    std::map<EventTime, std::set<std::string>> want;
    std::map<EventTime, int64_t> got;
    const auto take = [&] {
      std::vector<ActiveUsersRow> rows;
      active.TakeChanges(Watermark::None(), &rows);
      for (const auto& row : rows) {
        EXPECT_EQ(row.window_end - row.window_start, o.active_users_window);
        got[row.window_start] = row.active_user_count;
      }
    };
    EventTime latest = EventTime::FromMicros(1'772'359'200'000'000);  // 2026-03-01T10:00:00Z
    for (int i = 0; i < 200; ++i) {
      const int64_t roll = static_cast<int64_t>(rng() % 100);
      // Jumps of up to two windows leave a user's earlier steps below its bits but inside a window.
      const int64_t ahead = roll < 8    ? static_cast<int64_t>(rng() % (2 * o.active_users_window.micros()))
                            : roll < 40 ? slide * 2
                                        : 0;
      const int64_t span = o.allowed_lateness.micros() + ahead + 1;
      const EventTime t = latest - o.allowed_lateness + Duration::Micros(static_cast<int64_t>(rng() % span));
      latest = std::max(latest, t);
      const std::string user = "u" + std::to_string(rng() % 6);
      active.Add(t, &users[user]);
      for (EventTime start = WindowStart(t, o.active_users_slide); start + o.active_users_window > t;
           start = start - o.active_users_slide) {
        want[start].insert(user);
      }
      if (rng() % 20 == 0) take();
    }
    take();
    ASSERT_EQ(got.size(), want.size()) << o.ToString();
    for (const auto& [start, set] : want) {
      ASSERT_EQ(got[start], static_cast<int64_t>(set.size()))
          << o.ToString() << ", window " << start.micros();
    }
  }
}

}  // namespace
}  // namespace clickstream
