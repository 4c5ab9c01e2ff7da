// The range of accepted instants (years 0001-9999 in UTC, offsets applied) and formatting at its ends.
#include <gtest/gtest.h>

#include "common/rfc3339.h"

namespace clickstream {
namespace {

TEST(Rfc3339Range, AcceptsTheFirstAndLastInstantOfFourDigitYears) {
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), kEarliestTime);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59.999999Z"), kLatestTime);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59.999999999Z"), kLatestTime);
  EXPECT_EQ(FormatRfc3339(kEarliestTime), "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(kLatestTime), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatDate(kEarliestTime), "0001-01-01");
  EXPECT_EQ(FormatDate(kLatestTime), "9999-12-31");
}

TEST(Rfc3339Range, RejectsInstantsOutsideYears1To9999AfterTheOffset) {
  for (const char* bad :
       {"0000-01-01T00:00:00Z", "0000-12-31T23:59:59.999999Z", "0000-01-01T00:00:00+00:01",
        "0001-01-01T00:00:00+00:01", "0001-01-01T00:59:59+01:00", "9999-12-31T23:59:00-00:01",
        "9999-12-31T23:00:00-01:00", "9999-12-31T23:59:59.999999-00:01"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(Rfc3339Range, AnOffsetCanBringYear0000Or9999BackIntoRange) {
  EXPECT_EQ(ParseRfc3339("0000-12-31T23:59:00-00:01"), kEarliestTime);
  EXPECT_EQ(ParseRfc3339("0001-01-01T01:00:00+01:00"), kEarliestTime);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59.999999+00:00"), kLatestTime);
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("0001-01-01T00:00:00-23:59")), "0001-01-01T23:59:00.000000Z");
}

TEST(Rfc3339Range, WindowBoundsPastTheRangeGetExpandedYearsNotWrongDates) {
  EXPECT_EQ(FormatRfc3339(kLatestTime + Duration::Micros(1)), "+10000-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(kLatestTime + Duration::Minutes(5)), "+10000-01-01T00:04:59.999999Z");
  EXPECT_EQ(FormatRfc3339(kEarliestTime - Duration::Minutes(4)), "0000-12-31T23:56:00.000000Z");
  EXPECT_EQ(FormatRfc3339(kEarliestTime - Duration::Minutes(60 * 24 * 367)), "-0001-12-31T00:00:00.000000Z");
}

}  // namespace
}  // namespace clickstream
