#include "protocol/outage_tracker.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

TEST(OutageTrackerTest, TheFirstFailureStartsItAndTheFirstSuccessEndsIt) {
  PipelineProbe probe;
  OutageTracker tracker(Server::kKafka, &probe);
  tracker.Succeeded();
  EXPECT_FALSE(tracker.outage().has_value()) << "a success without an outage changes nothing";

  EXPECT_EQ(tracker.Failed("claim of partition 3", "broker down"), 1);
  const std::optional<Outage> started = probe.outage(Server::kKafka);
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->attempts, 1);
  EXPECT_EQ(started->cause, "broker down");
  EXPECT_FALSE(probe.outage(Server::kPostgres).has_value()) << "the other servers are not concerned";

  EXPECT_EQ(tracker.Failed("claim of partition 3", "timed out"), 2);
  const std::optional<Outage> going_on = probe.outage(Server::kKafka);
  ASSERT_TRUE(going_on.has_value());
  EXPECT_EQ(going_on->since_unix_micros, started->since_unix_micros) << "since the first failure";
  EXPECT_EQ(going_on->attempts, 2);
  EXPECT_EQ(going_on->cause, "timed out") << "the last cause";

  tracker.Succeeded();
  EXPECT_FALSE(tracker.outage().has_value());
  EXPECT_FALSE(probe.outage(Server::kKafka).has_value());

  EXPECT_EQ(tracker.Failed("commit", "gone again"), 1) << "a new outage counts from 1";
}

}  // namespace
}  // namespace clickstream
