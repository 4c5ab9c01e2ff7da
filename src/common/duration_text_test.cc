#include "common/duration_text.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

TEST(DurationText, ReadsWholeSecondsWithOrWithoutUnit) {
  EXPECT_EQ(*ParseWholeSeconds("90"), Duration::Seconds(90));
  EXPECT_EQ(*ParseWholeSeconds("90s"), Duration::Seconds(90));
  EXPECT_EQ(*ParseWholeSeconds("5m"), Duration::Minutes(5));
  EXPECT_EQ(*ParseWholeSeconds("1h"), Duration::Minutes(60));
  EXPECT_EQ(*ParseWholeSeconds("168h"), Duration::Minutes(168 * 60));
}

TEST(DurationText, RefusesWhatIsNotWholeSecondsInRange) {
  for (const char* text : {"", "s", "0", "0s", "-5s", "+5s", "1.5m", "5 m", "5min", "1d", "169h", "10081m",
                           "99999999999s", "5M", " 5s"}) {
    const auto parsed = ParseWholeSeconds(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(),
              "must be whole seconds from 1s to 168h, as 90s, 5m or 1h, got '" + std::string(text) + "'");
  }
}

TEST(DurationText, WritesTheLargestUnitThatDividesAndReadsItBack) {
  EXPECT_EQ(FormatWholeSeconds(Duration::Seconds(90)), "90s");
  EXPECT_EQ(FormatWholeSeconds(Duration::Minutes(2)), "2m");
  EXPECT_EQ(FormatWholeSeconds(Duration::Minutes(90)), "90m");
  EXPECT_EQ(FormatWholeSeconds(Duration::Minutes(120)), "2h");
  EXPECT_EQ(FormatWholeSeconds(Duration::Micros(1500)), "1500us");
  for (const int64_t s : {1, 59, 60, 61, 3599, 3600, 3660, 86400}) {
    EXPECT_EQ(*ParseWholeSeconds(FormatWholeSeconds(Duration::Seconds(s))), Duration::Seconds(s)) << s;
  }
}

TEST(DurationText, ReadsARetentionInDaysOrForever) {
  EXPECT_EQ(*ParseRetention("forever"), std::nullopt);
  EXPECT_EQ(*ParseRetention("30d"), Duration::Minutes(30 * 24 * 60));
  EXPECT_EQ(*ParseRetention("36h"), Duration::Minutes(36 * 60));
  EXPECT_EQ(*ParseRetention("90m"), Duration::Minutes(90));
  EXPECT_EQ(*ParseRetention("36500d"), Duration::Minutes(int64_t{36500} * 24 * 60));
  for (const char* text : {"", "0", "0d", "59s", "59", "36501d", "-1d", "1.5d", "1w", "Forever", "never"}) {
    const auto parsed = ParseRetention(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().message(),
              "must be forever or whole seconds from 1m to 36500d, as 90m, 36h or 30d, got '" +
                  std::string(text) + "'");
  }
  for (const char* text : {"forever", "30d", "36h", "90m", "61s"}) {
    EXPECT_EQ(FormatRetention(*ParseRetention(text)), text);
  }
}

}  // namespace
}  // namespace clickstream
