#include "engine/partition_engine.h"

#include <gtest/gtest.h>

#include <random>

#include "engine/test_util.h"

namespace clickstream {
namespace {
using testing_util::At;
using testing_util::EngineHarness;
using testing_util::Ev;

TEST(PartitionEngine, LateEventChangesNothingAndIsReported) {
  EngineHarness h;
  EXPECT_FALSE(h.Add(Ev("10:05", "page_view", "u1")).late);
  EXPECT_EQ(h.engine.watermark(), Watermark(At("10:03")));
  const Admission late = h.Add(Ev("10:02:59", "page_view", "u2"));
  EXPECT_TRUE(late.late);
  EXPECT_EQ(late.lateness, Duration::Seconds(1));
  const Changes& c = h.Take();
  ASSERT_EQ(c.late_events.size(), 1u);
  EXPECT_EQ(c.late_events[0].event.user_id, "u2");
  EXPECT_EQ(c.late_events[0].lateness, Duration::Seconds(1));
  // Only u1's rows: the late event is in no window (not even the still open [10:02, 10:03)) and no session.
  EXPECT_EQ(h.table.page_view_counts().size(), 1u);
  EXPECT_EQ(h.table.user_sessions().size(), 1u);
  for (const auto& [start, row] : h.table.active_users()) EXPECT_EQ(row.active_user_count, 1);
}

TEST(PartitionEngine, EventExactlyAtTheWatermarkIsAccepted) {
  EngineHarness h;
  (void)h.Add(Ev("10:05", "page_view"));
  EXPECT_FALSE(h.Add(Ev("10:03", "page_view", "u2")).late);
  h.Take();
  EXPECT_EQ(h.table.page_view_counts().at({At("10:03"), "https://example.com/home"}).view_count, 1);
}

TEST(PartitionEngine, LateEventsDoNotMoveTheWatermark) {
  EngineHarness h;
  (void)h.Add(Ev("10:05", "page_view"));
  (void)h.Add(Ev("09:00", "page_view"));
  EXPECT_EQ(h.engine.watermark(), Watermark(At("10:03")));
}

TEST(PartitionEngine, WindowsBecomeFinalWhenWatermarkReachesTheirEnd) {
  EngineHarness h;
  (void)h.Add(Ev("10:00:30", "page_view"));
  h.Take();
  const auto key = std::pair{At("10:00"), std::string("https://example.com/home")};
  EXPECT_FALSE(h.table.page_view_counts().at(key).is_final);
  (void)h.Add(Ev("10:02:59.999999", "click"));  // W = 10:00:59.999999 < 10:01
  h.Take();
  EXPECT_FALSE(h.table.page_view_counts().at(key).is_final);
  (void)h.Add(Ev("10:03", "click"));  // W = 10:01 = window end
  const Changes& c = h.Take();
  EXPECT_TRUE(h.table.page_view_counts().at(key).is_final);
  ASSERT_EQ(c.page_view_counts.size(), 1u);
  EXPECT_TRUE(c.page_view_counts[0].is_final);
  EXPECT_TRUE(h.table.active_users().at(At("09:56")).is_final);  // [09:56, 10:01)
  EXPECT_FALSE(h.table.active_users().at(At("09:57")).is_final);
}

TEST(PartitionEngine, OnlyPageViewsAreCounted) {
  EngineHarness h;
  for (const char* type : {"page_view", "click", "session_start", "session_end", "page_view"}) {
    (void)h.Add(Ev("10:00", type));
  }
  h.Take();
  EXPECT_EQ(h.table.page_view_counts().at({At("10:00"), "https://example.com/home"}).view_count, 2);
  EXPECT_EQ(h.table.active_users().at(At("10:00")).active_user_count, 1);
}

TEST(PartitionEngine, SpecSectionFourExample) {
  EngineHarness h;
  for (const Event& e : {Ev("10:00", "page_view"), Ev("10:05", "click"), Ev("10:30", "page_view"),
                         Ev("10:31", "session_end"), Ev("10:31", "session_start"), Ev("10:32", "click")}) {
    EXPECT_FALSE(h.Add(e).late);
  }
  h.Take();
  ASSERT_EQ(h.table.sessions().size(), 3u);
  const SessionRow& first = h.Session("u1", "10:00");
  EXPECT_EQ(first.session_end_time, At("10:05"));
  EXPECT_EQ(first.duration(), Duration::Minutes(5));
  EXPECT_TRUE(first.is_final);  // W = 10:30 >= 10:05 + 15 min
  const SessionRow& second = h.Session("u1", "10:30");
  EXPECT_EQ(second.session_end_time, At("10:31"));
  EXPECT_FALSE(second.is_final);  // W = 10:30 < 10:31
  const SessionRow& third = h.Session("u1", "10:31");
  EXPECT_EQ(third.session_end_time, At("10:32"));
  EXPECT_EQ(third.event_count, 2);
  EXPECT_FALSE(third.is_final);
  EXPECT_EQ(h.table.user_sessions().at("u1").session_start_time, At("10:31"));

  (void)h.Add(Ev("10:33:00.000001", "click", "u2"));  // W just past 10:31: the ended session is final
  h.Take();
  EXPECT_TRUE(h.Session("u1", "10:30").is_final);
  EXPECT_FALSE(h.Session("u1", "10:31").is_final);
}

TEST(PartitionEngine, FreesFinalStateAndIdleUsers) {
  EngineHarness h;
  for (int u = 0; u < 100; ++u) (void)h.Add(Ev("10:00", "page_view", "user_" + std::to_string(u)));
  h.Take();
  EXPECT_EQ(h.engine.tracked_users(), 100u);
  EXPECT_EQ(h.engine.open_sessions(), 100u);
  (void)h.Add(Ev("10:17", "click", "other"));  // W = 10:15: every session of 10:00 timed out
  const Changes& c = h.Take();
  EXPECT_EQ(c.sessions.size(), 101u);
  EXPECT_EQ(h.engine.tracked_users(), 1u);
  EXPECT_EQ(h.engine.open_sessions(), 1u);
  EXPECT_EQ(h.engine.open_windows(), 5u);  // only the active-user windows of the click at 10:17
  for (const auto& [key, row] : h.table.sessions()) EXPECT_EQ(row.is_final, key.user_id != "other");
}

TEST(PartitionEngine, SameInputSameChanges) {
  auto run = [] {
    EngineHarness h;
    std::vector<Changes> all;
    std::mt19937 rng(7);
    for (int i = 0; i < 2000; ++i) {
      (void)h.Add(Event{At("10:00") + Duration::Seconds(i / 3) - Duration::Seconds(rng() % 100),
                        "u" + std::to_string(rng() % 50), "/p" + std::to_string(rng() % 4),
                        static_cast<EventType>(rng() % 4)});
      if (i % 50 == 0) all.push_back(h.Take());
    }
    return all;
  };
  const auto a = run();
  const auto b = run();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].page_view_counts, b[i].page_view_counts);
    EXPECT_EQ(a[i].active_users, b[i].active_users);
    EXPECT_EQ(a[i].sessions, b[i].sessions);
  }
}

TEST(PartitionEngine, RestoreRejectsBadSnapshots) {
  EngineHarness h;
  (void)h.Add(Ev("10:00", "page_view"));
  const std::string snapshot = h.engine.SaveState();
  EXPECT_TRUE(PartitionEngine::Restore(snapshot, EngineOptions{}).ok());
  EXPECT_EQ(
      PartitionEngine::Restore(snapshot.substr(0, snapshot.size() - 1), EngineOptions{}).status().code(),
      StatusCode::kInvalidData);
  EXPECT_EQ(PartitionEngine::Restore(snapshot + "x", EngineOptions{}).status().code(),
            StatusCode::kInvalidData);
  EXPECT_EQ(PartitionEngine::Restore("garbage", EngineOptions{}).status().code(), StatusCode::kInvalidData);
  std::string other_version = snapshot;
  other_version[4] = 9;
  EXPECT_EQ(PartitionEngine::Restore(other_version, EngineOptions{}).status().code(),
            StatusCode::kInvalidData);
  EngineOptions other;
  other.session_gap = Duration::Minutes(30);
  EXPECT_EQ(PartitionEngine::Restore(snapshot, other).status().code(), StatusCode::kInvalidArgument);
  // Every truncation is an error, never a crash.
  for (size_t n = 0; n < snapshot.size(); ++n) {
    EXPECT_FALSE(PartitionEngine::Restore(snapshot.substr(0, n), EngineOptions{}).ok()) << n;
  }
}

TEST(PartitionEngine, RestoresVersion1Snapshots) {
  EngineHarness h;
  (void)h.Add(Ev("10:00", "page_view", "user-of-version-1"));
  const std::string v2 = h.engine.SaveState();
  // Version 1 is the same without UserActivity::below, the 4 bytes after the user's base and bits.
  std::string v1 = v2;
  v1[4] = 1;
  const size_t below = v1.find("user-of-version-1") + std::string("user-of-version-1").size() + 8 + 4;
  v1.erase(below, 4);
  auto restored = PartitionEngine::Restore(v1, EngineOptions{});
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->SaveState(), v2);
}

TEST(PartitionEngine, RestoredEngineCarriesPendingChanges) {
  EngineHarness h;
  (void)h.Add(Ev("10:00", "page_view"));
  (void)h.Add(Ev("10:10", "click", "u2"));
  (void)h.Add(Ev("09:00", "click", "u3"));  // late
  auto restored = PartitionEngine::Restore(h.engine.SaveState(), EngineOptions{});
  ASSERT_TRUE(restored.ok());
  Changes from_restored;
  restored->TakeChanges(&from_restored);
  const Changes& original = h.Take();
  EXPECT_EQ(from_restored.page_view_counts, original.page_view_counts);
  EXPECT_EQ(from_restored.active_users, original.active_users);
  EXPECT_EQ(from_restored.sessions, original.sessions);
  EXPECT_EQ(from_restored.late_events, original.late_events);
  EXPECT_EQ(restored->watermark(), h.engine.watermark());
}

// Add leaves an event's user state to a short queue: every observation sees it applied.
TEST(PartitionEngine, EveryCallSeesEachAddedEvent) {
  EngineHarness h;
  (void)h.Add(Ev("10:00", "page_view", "u1"));
  EXPECT_EQ(h.engine.tracked_users(), 1u);
  (void)h.Add(Ev("10:01", "click", "u2"));
  (void)h.Add(Ev("10:01", "click", "u2"));
  EXPECT_EQ(h.engine.tracked_users(), 2u);
  EXPECT_EQ(h.engine.open_windows(), 1u + 6u);  // [10:00, 10:01); active users from 09:56 to 10:01
  // u1's session times out in the watermark advance of u3's event, while both wait in the queue.
  (void)h.Add(Ev("10:17", "click", "u3"));
  const Changes& c = h.Take();
  ASSERT_EQ(c.sessions.size(), 3u);
  EXPECT_TRUE(h.Session("u1", "10:00").is_final);
  EXPECT_FALSE(h.Session("u2", "10:01").is_final);
  EXPECT_EQ(h.Session("u2", "10:01").event_count, 2);
}

TEST(EngineOptions, Validate) {
  EXPECT_TRUE(EngineOptions{}.Validate().ok());
  EngineOptions o;
  o.active_users_window = Duration::Seconds(90);
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.session_gap = Duration();
  EXPECT_FALSE(o.Validate().ok());
  o = {};
  o.allowed_lateness = Duration::Minutes(40);
  EXPECT_EQ(o.Validate().message(),
            "--watermark-delay 40m spans 40 steps of --active-users-slide 1m, more than the 31 an active "
            "user's state keeps: use a slide of at least 78s or a shorter delay");
  o.active_users_slide = Duration::Seconds(78);
  o.active_users_window = Duration::Seconds(78 * 4);
  EXPECT_TRUE(o.Validate().ok());
  o.active_users_slide = Duration::Seconds(77);
  o.active_users_window = Duration::Seconds(77 * 4);
  EXPECT_FALSE(o.Validate().ok());
  // What a data engineer sets: an hour of active users by the minute, ten minutes for late events.
  o = {};
  o.active_users_window = Duration::Minutes(60);
  o.allowed_lateness = Duration::Minutes(10);
  EXPECT_TRUE(o.Validate().ok());
  o.active_users_window = Duration::Minutes(24 * 60);
  EXPECT_TRUE(o.Validate().ok());
  o.active_users_window = Duration::Minutes(24 * 60 + 1);
  EXPECT_EQ(o.Validate().message(),
            "--active-users-window 1441m is more than 1440 steps of --active-users-slide 1m: use a longer "
            "slide");
  o = {};
  o.active_users_window = Duration::Seconds(90);
  EXPECT_EQ(o.Validate().message(),
            "--active-users-window 90s must be a multiple of --active-users-slide 1m: e.g. 2m");
  EXPECT_EQ(EngineOptions{}.ToString(),
            "page-view window 1m, active-user window 5m sliding by 1m, session gap 15m, watermark delay 2m");
}

}  // namespace
}  // namespace clickstream
