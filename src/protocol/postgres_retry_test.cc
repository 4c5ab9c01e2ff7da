#include "protocol/postgres_retry.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

constexpr RetryPolicy kFast{.initial = std::chrono::milliseconds(1), .max = std::chrono::milliseconds(4)};

TEST(PostgresRetryTest, RetriesTransientFailuresUntilTheySucceed) {
  PipelineProbe probe;
  PostgresRetry retry(&probe, [] { return false; }, kFast);
  int attempts = 0;
  bool outage_seen = false;
  const Status st = retry.Run("commit", [&] {
    outage_seen = outage_seen || probe.outage(Server::kPostgres).has_value();
    return ++attempts < 5 ? Status::Unavailable("postgres: COMMIT: server closed the connection")
                          : Status::OK();
  });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(attempts, 5);
  EXPECT_TRUE(outage_seen);
  EXPECT_FALSE(probe.outage(Server::kPostgres).has_value()) << "the outage ends with the success";
  EXPECT_EQ(probe.commit_failures.load(), 4);
}

TEST(PostgresRetryTest, APermanentFailureOrAFenceIsReturnedAtOnce) {
  PipelineProbe probe;
  PostgresRetry retry(&probe, [] { return false; }, kFast);
  for (const Status& failure : {Status::Refused("SQLSTATE 23514"), Status::Fenced("partition 1")}) {
    int attempts = 0;
    const Status st = retry.Run("commit", [&] {
      ++attempts;
      return failure;
    });
    EXPECT_EQ(st.code(), failure.code());
    EXPECT_EQ(attempts, 1);
  }
  EXPECT_EQ(probe.commit_failures.load(), 0);
}

TEST(PostgresRetryTest, GivingUpReturnsTheLastFailure) {
  PipelineProbe probe;
  int attempts = 0;
  PostgresRetry retry(&probe, [&] { return attempts >= 3; }, kFast);
  const Status st =
      retry.Run("claim of partition 0", [&] { return Status::Unavailable(std::to_string(++attempts)); });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(st.message(), "3");
  EXPECT_TRUE(probe.outage(Server::kPostgres).has_value()) << "/healthz still names the outage";
}

}  // namespace
}  // namespace clickstream
