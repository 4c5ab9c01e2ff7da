// A process's pipeline threads read as one: sums, merged gauges, the worst thread's health.
#include "observability/process_probe.h"

#include <gtest/gtest.h>

#include "observability/health.h"

namespace clickstream {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000;

TEST(ProcessProbe, SumsCountersAndMergesEachThreadsPartitions) {
  ProcessProbe process(3);
  PipelineProbe& a = *process.thread(0);
  PipelineProbe& b = *process.thread(1);
  a.consumed = 10, b.consumed = 5;
  a.rejected[1] = 2, b.rejected[1] = 3;
  a.rebalances = 2, b.rebalances = 1;
  a.ObserveCommit(3000), b.ObserveCommit(3000);
  a.last_commit_micros = 7, b.last_commit_micros = 9;
  a.SetPartitions({{0, {.committed_offset = 4, .thread = 0}}, {2, {.thread = 0}}});
  b.SetPartitions({{1, {.committed_offset = 6, .thread = 1}}});
  a.SetThread(0, {"member-a", 2});
  b.SetThread(1, {"member-b", 1});

  PipelineProbe sum;
  process.Aggregate(&sum);
  EXPECT_EQ(sum.consumed.load(), 15);
  EXPECT_EQ(sum.rejected[1].load(), 5);
  EXPECT_EQ(sum.rebalances.load(), 3);
  EXPECT_EQ(sum.commit_buckets[2].load(), 2);  // 3 ms: under 5 ms
  EXPECT_EQ(sum.last_commit_micros.load(), 9);
  const auto partitions = sum.partitions();
  ASSERT_EQ(partitions.size(), 3u);
  EXPECT_EQ(partitions.at(1).thread, 1);
  EXPECT_EQ(partitions.at(1).committed_offset, 6);
  const auto threads = sum.threads();
  ASSERT_EQ(threads.size(), 3u) << "a thread that has not joined yet is listed too";
  EXPECT_EQ(threads.at(0).member_id, "member-a");
  EXPECT_EQ(threads.at(1).partitions, 1);
  EXPECT_EQ(threads.at(2).partitions, 0);
}

TEST(ProcessProbe, HealthIsTheWorstThreads) {
  ProcessProbe process(2);
  PipelineProbe& a = *process.thread(0);
  PipelineProbe& b = *process.thread(1);
  const auto health = [&] {
    PipelineProbe sum;
    process.Aggregate(&sum);
    return CheckHealth(sum, 200, kNow);
  };
  a.state = PipelineProbe::State::kRunning;
  EXPECT_NE(health().reason.find("starting"), std::string::npos) << "one thread is still starting";
  b.state = PipelineProbe::State::kRunning;
  a.last_commit_pass_unix_micros = kNow;
  b.last_commit_pass_unix_micros = kNow;
  a.SetPartitions({{0, {}}});
  EXPECT_TRUE(health().ok) << "one thread without partitions is fine: the process has some";
  b.last_commit_pass_unix_micros = kNow - 7'000'000;
  EXPECT_EQ(health().reason, "no commit for 7 s") << "a stuck thread shows";
  b.last_commit_pass_unix_micros = kNow;
  a.SetLastError("kafka: broker down");
  b.SetLastError("lake: No space left on device");
  b.lake_retrying = true;
  EXPECT_EQ(health().reason, "lake: No space left on device");
  b.lake_retrying = false;
  b.SetOutage(Server::kPostgres, Outage{kNow - 3'000'000, 2, "gone"});
  EXPECT_EQ(health().reason, "PostgreSQL unavailable for 3 s (2 failed attempts, retrying): gone");
  b.SetOutage(Server::kPostgres, std::nullopt);
  a.SetOutage(Server::kRegistry, Outage{kNow - 4'000'000, 3, "refused"});
  EXPECT_EQ(health().reason, "schema registry unavailable for 4 s (3 failed attempts, retrying): refused");
  a.SetOutage(Server::kRegistry, std::nullopt);
  b.state = PipelineProbe::State::kStopping;
  EXPECT_EQ(health().reason, "stopping");
}

}  // namespace
}  // namespace clickstream
