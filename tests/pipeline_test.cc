// `clickstream run` end to end on the real broker and server (see pipeline_fixture.h for what is
// checked), then the same under kill -9 and under server faults.
#include <random>

#include "pipeline_fixture.h"

namespace clickstream::testing {
namespace {

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
  // Events keep arriving through both faults: 80,000 at 4,000 per second.
  const auto stream = KnownStream(80000, 3);
  std::thread producer([&] { ProduceSlowly(input_, stream, 400, 100); });
  auto pipeline = StartPipeline({"--lake-roll-age", "1"});
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_EQ(ServicesScript("kafka-stop"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(ServicesScript("kafka-start"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(ServicesScript("pg-stop"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  ASSERT_EQ(ServicesScript("pg-start"), 0);
  producer.join();
  auto db = pg::Connection::Open(Services().pg);
  ASSERT_TRUE(db.ok());
  db_ = std::make_unique<pg::Connection>(std::move(*db));
  WaitDrained(stream.size(), 180);
  StopGracefully(*pipeline);
  Verify(stream.size());
  const CommandResult log = RunCommand("cat " + log_path());
  EXPECT_NE(log.output.find("PostgreSQL commit failed"), std::string::npos) << log.output.substr(0, 4000);
  EXPECT_NE(log.output.find("kafka: "), std::string::npos) << log.output.substr(0, 4000);
}

}  // namespace
}  // namespace clickstream::testing
