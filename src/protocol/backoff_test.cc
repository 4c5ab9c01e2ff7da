#include "protocol/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace clickstream {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BackoffTest, CeilingsGrowByTheMultiplierUpToTheCap) {
  const RetryPolicy policy{.initial = seconds(1), .max = seconds(30)};
  EXPECT_EQ(policy.Ceiling(0), seconds(1));
  EXPECT_EQ(policy.Ceiling(3), seconds(8));
  EXPECT_EQ(policy.Ceiling(5), seconds(30));
  EXPECT_EQ(policy.Ceiling(1000), seconds(30));
  const RetryPolicy triple{.initial = milliseconds(100), .max = seconds(10), .multiplier = 3};
  EXPECT_EQ(triple.Ceiling(2), milliseconds(900));
}

TEST(BackoffTest, WithoutJitterTheWaitIsTheCeiling) {
  Backoff backoff({.initial = milliseconds(250), .max = seconds(5), .jitter = Jitter::kNone});
  for (int failures = 0; failures < 10; ++failures) {
    EXPECT_EQ(backoff.After(failures), backoff.policy().Ceiling(failures)) << failures;
  }
}

TEST(BackoffTest, JitteredWaitsStayWithinTheirBounds) {
  for (const Jitter jitter : {Jitter::kEqual, Jitter::kFull}) {
    Backoff backoff({.initial = milliseconds(100), .max = seconds(2), .jitter = jitter}, 7);
    bool below_ceiling = false;
    for (int round = 0; round < 50; ++round) {
      for (int failures = 0; failures < 8; ++failures) {
        const milliseconds ceiling = backoff.policy().Ceiling(failures);
        const milliseconds wait = backoff.After(failures);
        EXPECT_LE(wait, ceiling);
        EXPECT_GE(wait, jitter == Jitter::kEqual ? ceiling / 2 : milliseconds(0));
        below_ceiling = below_ceiling || wait < ceiling;
      }
    }
    EXPECT_TRUE(below_ceiling) << "the jitter spreads the waits";
  }
}

TEST(BackoffTest, TheSameSeedDrawsTheSameWaits) {
  const RetryPolicy policy{.initial = milliseconds(100), .max = seconds(5), .jitter = Jitter::kFull};
  Backoff a(policy, 42), b(policy, 42), c(policy, 43);
  std::vector<milliseconds> from_a, from_b, from_c;
  for (int i = 0; i < 20; ++i) {
    from_a.push_back(*a.Failed());
    from_b.push_back(*b.Failed());
    from_c.push_back(*c.Failed());
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
}

TEST(BackoffTest, FailuresGrowTheWaitUntilReset) {
  Backoff backoff({.initial = milliseconds(10), .max = seconds(1), .jitter = Jitter::kNone});
  EXPECT_EQ(backoff.Failed(), milliseconds(10));
  EXPECT_EQ(backoff.Failed(), milliseconds(20));
  EXPECT_EQ(backoff.Failed(), milliseconds(40));
  EXPECT_EQ(backoff.failures(), 3);
  backoff.Reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_EQ(backoff.Failed(), milliseconds(10));
}

TEST(BackoffTest, TheAttemptCapEndsTheRetries) {
  Backoff backoff({.initial = milliseconds(1), .max = milliseconds(1), .max_attempts = 3});
  EXPECT_TRUE(backoff.Failed().has_value());
  EXPECT_TRUE(backoff.Failed().has_value());
  EXPECT_FALSE(backoff.Failed().has_value()) << "three attempts in all";
}

TEST(BackoffTest, TheDeadlineCutsTheLastWaitAndEndsTheRetries) {
  using Clock = Backoff::Clock;
  Backoff backoff(
      {.initial = seconds(4), .max = seconds(4), .jitter = Jitter::kNone, .deadline = seconds(10)});
  const Clock::time_point start = Clock::now();
  EXPECT_EQ(backoff.Failed(start), seconds(4));
  EXPECT_EQ(backoff.Failed(start + seconds(4)), seconds(4));
  EXPECT_EQ(backoff.Failed(start + seconds(8)), seconds(2)) << "cut to end at the deadline";
  EXPECT_FALSE(backoff.Failed(start + seconds(10)).has_value());
}

TEST(BackoffTest, TheDeadlineCountsFromAGivenStart) {
  using Clock = Backoff::Clock;
  Backoff backoff(
      {.initial = seconds(1), .max = seconds(1), .jitter = Jitter::kNone, .deadline = seconds(5)});
  const Clock::time_point start = Clock::now();
  backoff.Start(start);
  EXPECT_EQ(backoff.Failed(start + seconds(4)), seconds(1));
  EXPECT_FALSE(backoff.Failed(start + seconds(5)).has_value());
}

}  // namespace
}  // namespace clickstream
