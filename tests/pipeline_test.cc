// `clickstream run` end to end on the real broker and server (tests/pipeline_harness.h): undisturbed,
// under kill -9, and through a PostgreSQL outage and a broker restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "pipeline_harness.h"

namespace clickstream::testing {
namespace {

class PipelineTest : public PipelineHarness {};

TEST_F(PipelineTest, EndToEndEqualsReplayOfEachPartition) {
  const auto stream = KnownStream(20000, 1);
  ProduceAll(input_, stream);
  auto pipeline = StartPipeline();
  WaitDrained(stream.size(), 120);
  StopGracefully(*pipeline);
  Verify(stream.size());
}

TEST_F(PipelineTest, KillNineFiveTimesChangesNothing) {
  const auto stream = KnownStream(200000, 2);
  ProduceAll(input_, stream);
  std::mt19937_64 rng(7);
  // Lake files every second, so crashes land between seal, commit and publish too. A killed member's
  // partitions return after the session timeout (the minimum the broker allows).
  const std::vector<std::string> flags = {"--lake-roll-age", "1", "--session-timeout-ms", "6000"};
  int64_t claims = 0;
  int mid_stream_kills = 0;
  for (int kill = 0; kill < 5; ++kill) {
    auto pipeline = StartPipeline(flags);
    // Kill only once the process owns all four partitions, at a random moment of its processing.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (Claims() < claims + 4 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GE(Claims(), claims + 4) << "see " << log_path();
    claims = Claims();
    // ... after it committed something new, so that each run makes progress.
    const int64_t before = CommittedOffsets();
    while (CommittedOffsets() == before && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 700));
    pipeline->Signal(SIGKILL);
    pipeline->Wait(10);
    const int64_t committed = CommittedOffsets();
    mid_stream_kills += committed > 0 && committed < static_cast<int64_t>(stream.size());
  }
  EXPECT_GE(mid_stream_kills, 2) << "the kills should land while results are being committed";
  auto pipeline = StartPipeline(flags);
  WaitDrained(stream.size(), 300);
  // PostgreSQL may already hold everything while the lake's tail is re-read: wait until the new process
  // reports no lag, so its graceful stop writes that tail.
  WaitForCaughtUp(claims + 4);
  StopGracefully(*pipeline);
  Verify(stream.size());
}

TEST_F(PipelineTest, PostgresDownAndBrokerRestartAreSurvived) {
  // Events keep arriving through both faults: 80,000, mostly at 4,000 per second. Each fault waits for
  // the state it is meant to meet rather than for a fixed time: the second and third quarters of the
  // stream are sent once the broker is back (at 1,000 per second, so that they last until the group
  // has settled), PostgreSQL stops only once the pipeline is committing again after any rebalance the
  // restart brought (so the outage meets commits, not claims), and the last quarter is sent while it is
  // down (so there is something to commit).
  const auto stream = KnownStream(80000, 3);
  enum Phase { kBrokerUp, kBrokerRestarted, kPostgresDown };
  std::atomic<int> phase{kBrokerUp};
  std::thread producer([&] {
    const size_t chunk = 400;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      const int needed = i < stream.size() / 4 ? kBrokerUp : i < stream.size() * 3 / 4 ? kBrokerRestarted : kPostgresDown;
      while (phase.load() < needed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ProduceAll(input_, std::vector<Record>(stream.begin() + i, stream.begin() + std::min(stream.size(), i + chunk)));
      std::this_thread::sleep_for(std::chrono::milliseconds(phase.load() == kBrokerRestarted ? 400 : 100));
    }
  });
  // A failed assertion returns early: the producer must not wait forever.
  const std::unique_ptr<void, std::function<void(void*)>> join_producer(&phase, [&](void*) {
    phase = kPostgresDown;
    if (producer.joinable()) producer.join();
  });
  const std::string session_timeout_ms = "6000";
  auto pipeline = StartPipeline({"--lake-roll-age", "1", "--session-timeout-ms", session_timeout_ms});
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_EQ(ServicesScript("kafka-stop"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(ServicesScript("kafka-start"), 0);
  phase = kBrokerRestarted;
  // The restarted coordinator may end the group session and rebalance (claims of every partition), which
  // the pipeline serves only once its consuming thread is back from a Kafka commit that waited for the
  // broker. Settled: no claim for longer than the session timeout, and meanwhile every partition
  // committed twice (the consuming thread went round its loop in between).
  const auto settle = std::chrono::milliseconds(std::stoi(session_timeout_ms)) + std::chrono::seconds(2);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  int64_t claims = -1;
  auto claims_changed = std::chrono::steady_clock::now();
  std::map<int32_t, int64_t> progress;
  std::map<int32_t, int> commits;
  for (;;) {
    if (const int64_t c = Claims(); c != claims) {
      claims = c;
      claims_changed = std::chrono::steady_clock::now();
      commits.clear();
    }
    int committed_twice = 0;
    for (const auto& [p, offset] : ProgressByPartition()) {
      if (progress.count(p) && progress[p] != offset) ++commits[p];
      progress[p] = offset;
      committed_twice += commits[p] >= 2;
    }
    if (committed_twice == 4 && std::chrono::steady_clock::now() - claims_changed > settle) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no commits after the broker restart; see " << log_path();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(ServicesScript("pg-stop"), 0);
  const auto stopped = std::chrono::steady_clock::now();
  phase = kPostgresDown;
  ASSERT_TRUE(WaitForLog("PostgreSQL commit failed", 60)) << "the outage met no commit; see " << log_path();
  std::this_thread::sleep_until(stopped + std::chrono::seconds(10));
  ASSERT_EQ(ServicesScript("pg-start"), 0);
  producer.join();
  Reconnect();
  WaitDrained(stream.size(), 180);
  StopGracefully(*pipeline);
  Verify(stream.size());
  const CommandResult log = RunCommand("cat " + log_path());
  EXPECT_NE(log.output.find("PostgreSQL commit failed"), std::string::npos) << log.output.substr(0, 4000);
  EXPECT_NE(log.output.find("kafka: "), std::string::npos) << log.output.substr(0, 4000);
}

}  // namespace
}  // namespace clickstream::testing
