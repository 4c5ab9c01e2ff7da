#include "common/rfc3339.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

int64_t Micros(std::string_view s) {
  auto t = ParseRfc3339(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t ? t->micros() : 0;
}

TEST(Rfc3339, ParsesUtcWithAndWithoutFraction) {
  EXPECT_EQ(Micros("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Micros("2024-01-28T10:30:00Z"), 1706437800LL * 1'000'000);
  EXPECT_EQ(Micros("2026-01-30T18:06:20.731442Z"), Micros("2026-01-30T18:06:20Z") + 731442);
}

TEST(Rfc3339, FractionOfOneToNineDigitsTruncatedToMicros) {
  const int64_t base = Micros("2026-03-01T10:00:00Z");
  EXPECT_EQ(Micros("2026-03-01T10:00:00.5Z"), base + 500000);
  EXPECT_EQ(Micros("2026-03-01T10:00:00.123456789Z"), base + 123456);
  EXPECT_FALSE(ParseRfc3339("2026-03-01T10:00:00.Z"));
  EXPECT_FALSE(ParseRfc3339("2026-03-01T10:00:00.1234567890Z"));
}

TEST(Rfc3339, OffsetsNormaliseToUtc) {
  EXPECT_EQ(Micros("2026-03-01T15:30:00+05:30"), Micros("2026-03-01T10:00:00Z"));
  EXPECT_EQ(Micros("2026-03-01T02:00:00-08:00"), Micros("2026-03-01T10:00:00Z"));
}

TEST(Rfc3339, RejectsInvalid) {
  for (const char* bad : {"2026-03-01T10:00:00", "2026-02-30T10:00:00Z", "2026-03-01T25:00:00Z",
                          "2026-03-01T10:60:00Z", "2026-03-01 10:00:00Z", "2026-3-01T10:00:00Z",
                          "2026-03-01T10:00:00+0530", "2026-03-01T10:00:00Zjunk", "", "not a time"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(Rfc3339, LeapDay) {
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2025-02-29T00:00:00Z"));
}

TEST(Rfc3339, FormatRoundTrips) {
  for (const char* s : {"2026-03-01T10:00:00.000000Z", "1969-12-31T23:59:59.999999Z", "2024-02-29T12:34:56.000001Z"}) {
    EXPECT_EQ(FormatRfc3339(*ParseRfc3339(s)), s);
  }
  EXPECT_EQ(FormatDate(*ParseRfc3339("2026-03-01T23:59:59Z")), "2026-03-01");
}

}  // namespace
}  // namespace clickstream
