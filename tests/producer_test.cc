// `clickstream produce` against the real broker: every event arrives, keyed and valid, late ones as set;
// `clickstream topics` creates the topics named as `run` names them.
#include <gtest/gtest.h>

#include <chrono>

#include "common/wall_clock.h"
#include "engine/parser.h"
#include "kafka/topics.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

struct Produced {
  size_t count = 0;
  size_t late = 0;
};

// Produces `n` events into a new 4-partition topic and checks every record read back; late ones are
// stamped `late_by` in the past.
Produced ProduceAndCheck(int n, const std::string& extra_flags, Duration late_by = Duration::Minutes(5)) {
  const std::string topic = UniqueTopic("produce_test");
  EXPECT_TRUE(kafka::EnsureTopics(Services().bootstrap_servers, {{topic, 4}}, 30000).ok());
  const EventTime start = WallClockNow();
  const CommandResult run =
      RunCommand(ClickstreamBinary() + " produce --bootstrap-servers " + Services().bootstrap_servers +
                 " --topic " + topic + " --num-events " + std::to_string(n) + " --interval 0 " + extra_flags);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("produced " + std::to_string(n) + " events"), std::string::npos) << run.output;

  const auto records = ConsumeAll(topic, static_cast<size_t>(n), 60);
  Produced produced;
  produced.count = records.size();
  EventParser parser;
  std::set<int32_t> partitions;
  for (const auto& r : records) {
    const ParseOutcome outcome = parser.Parse(r.value);
    EXPECT_TRUE(outcome.ok()) << r.value;
    if (!outcome.ok()) continue;
    const Event& e = outcome.event();
    EXPECT_EQ(r.key, e.user_id);
    partitions.insert(r.partition);
    // On time: stamped during the run. Late: `late_by` before it.
    if (e.event_time < start - late_by + Duration::Minutes(1)) {
      ++produced.late;
      EXPECT_GE(e.event_time, start - late_by - Duration::Seconds(1));
    } else {
      EXPECT_GE(e.event_time, start - Duration::Seconds(1));
    }
  }
  EXPECT_EQ(partitions.size(), 4u) << "records are keyed by user_id and spread over partitions";
  return produced;
}

TEST(Producer, TenThousandEventsArriveKeyedValidAndTwoPercentLate) {
  const Produced p = ProduceAndCheck(10000, "");
  EXPECT_EQ(p.count, 10000u);
  EXPECT_EQ(p.late, 200u);  // every 50th event
}

// Late beyond a longer --watermark-delay of the pipeline.
TEST(Producer, LateByFlag) {
  const Produced p = ProduceAndCheck(2000, "--late-by 20m", Duration::Minutes(20));
  EXPECT_EQ(p.late, 40u);
}

TEST(Producer, NoLateDataFlag) {
  const Produced p = ProduceAndCheck(2000, "--no-late-data --sessions");
  EXPECT_EQ(p.count, 2000u);
  EXPECT_EQ(p.late, 0u);
}

TEST(Producer, UnreachableBrokerFailsFastWithOneLine) {
  const auto started = std::chrono::steady_clock::now();
  const CommandResult run = RunCommand(
      ClickstreamBinary() + " produce --bootstrap-servers 127.0.0.1:9 --connect-timeout 2 --num-events 1");
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.output.find("cannot reach Kafka at 127.0.0.1:9"), std::string::npos) << run.output;
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// The topics are named by flags or by the environment variables `run` reads, so that `topics` creates
// the ones `run` then uses.
TEST(Topics, CreatesTheTopicsNamedByFlagsAndEnvironment) {
  const std::string input = UniqueTopic("topics_in");
  const std::string enriched = UniqueTopic("topics_enriched");
  const std::string dlq = UniqueTopic("topics_dlq");
  const std::string brokers = Services().bootstrap_servers;
  ASSERT_FALSE(kafka::MaxMessageBytes(brokers, input, 10000).ok()) << "no such topic yet";
  const CommandResult run =
      RunCommand("KAFKA_DLQ_TOPIC=" + dlq + " " + ClickstreamBinary() + " topics --bootstrap-servers " +
                 brokers + " --topic " + input + " --enriched-topic " + enriched + " --partitions 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("topics ready: " + input + " (2 partitions), " + enriched + ", " + dlq),
            std::string::npos)
      << run.output;
  const auto input_bytes = kafka::MaxMessageBytes(brokers, input, 10000);
  ASSERT_TRUE(input_bytes.ok()) << input_bytes.status().message();
  const auto enriched_bytes = kafka::MaxMessageBytes(brokers, enriched, 10000);
  ASSERT_TRUE(enriched_bytes.ok()) << enriched_bytes.status().message();
  EXPECT_GE(*enriched_bytes, kafka::OutputMaxMessageBytes(*input_bytes));
  const auto dlq_bytes = kafka::MaxMessageBytes(brokers, dlq, 10000);
  ASSERT_TRUE(dlq_bytes.ok()) << dlq_bytes.status().message();
  EXPECT_GE(*dlq_bytes, kafka::OutputMaxMessageBytes(*input_bytes));
}

}  // namespace
}  // namespace clickstream::testing
