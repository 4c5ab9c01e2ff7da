#include "producer/traffic.h"

#include <gtest/gtest.h>

#include <set>

namespace clickstream {
namespace {

constexpr EventTime kNow = EventTime::FromMicros(1'772'359'200'000'000);  // 2026-03-01T10:00:00Z

TEST(TrafficGenerator, EveryFiftiethEventIsFiveMinutesLate) {
  TrafficGenerator gen(TrafficOptions{});
  for (int i = 1; i <= 500; ++i) {
    bool late = false;
    const Event& e = gen.Next(kNow, &late);
    EXPECT_EQ(late, i % 50 == 0);
    EXPECT_EQ(e.event_time, late ? kNow - Duration::Minutes(5) : kNow);
  }
}

TEST(TrafficGenerator, NoLateDataWhenDisabled) {
  TrafficOptions options;
  options.late_every = 0;
  TrafficGenerator gen(options);
  for (int i = 0; i < 200; ++i) {
    bool late = true;
    EXPECT_EQ(gen.Next(kNow, &late).event_time, kNow);
    EXPECT_FALSE(late);
  }
}

TEST(TrafficGenerator, UsesUsersPagesAndAllTypes) {
  TrafficOptions options;
  options.users = 3;
  TrafficGenerator gen(options);
  std::set<std::string> users, pages;
  std::set<EventType> types;
  for (int i = 0; i < 1000; ++i) {
    bool late = false;
    const Event& e = gen.Next(kNow, &late);
    users.insert(e.user_id);
    pages.insert(e.page_url);
    types.insert(e.event_type);
  }
  EXPECT_EQ(users, (std::set<std::string>{"user_1", "user_2", "user_3"}));
  EXPECT_EQ(pages.size(), 6u);
  EXPECT_EQ(types.size(), 4u);
}

TEST(TrafficGenerator, SessionsModeBracketsEachUsersEvents) {
  TrafficOptions options;
  options.users = 5;
  options.sessions = true;
  TrafficGenerator gen(options);
  std::map<std::string, bool> open;
  for (int i = 0; i < 2000; ++i) {
    bool late = false;
    const Event& e = gen.Next(kNow, &late);
    bool& is_open = open[e.user_id];
    if (e.event_type == EventType::kSessionStart) {
      EXPECT_FALSE(is_open);
      is_open = true;
    } else {
      EXPECT_TRUE(is_open);
      if (e.event_type == EventType::kSessionEnd) is_open = false;
    }
  }
}

}  // namespace
}  // namespace clickstream
