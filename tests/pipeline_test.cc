// `clickstream run` end to end on the real broker and server (see pipeline_fixture.h for what is
// checked), then the same under kill -9 and under server faults.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>

#include "kafka/topics.h"
#include "pipeline_fixture.h"

namespace clickstream::testing {
namespace {

TEST_F(PipelineTest, EndToEndEqualsReplayOfEachPartition) {
  const auto stream = KnownStream(20000, 1);
  ProduceAll(input_, stream);
  RunAndVerify(stream.size());
}

// A run that read nothing ends with a status line that says so (not the rate of a record never read).
TEST_F(PipelineTest, TheFinalStatusLineOfARunThatReadNothingCountsNothing) {
  auto pipeline = StartPipeline();
  ASSERT_TRUE(WaitForLog("partition 3 claimed", 60)) << "see " << log_path();
  StopGracefully(*pipeline);
  const std::string log = ReadFile(log_path());
  const size_t last = log.rfind("events/s");
  ASSERT_NE(last, std::string::npos) << log;
  const std::string line =
      log.substr(log.rfind('\n', last) + 1, log.find('\n', last) - log.rfind('\n', last) - 1);
  EXPECT_NE(line.find("] 0 events/s | accepted 0 late 0 rejected 0 | lag 0 |"), std::string::npos) << line;
}

// SPEC.md sections 1 and 5: every member a record carries besides the four fields reaches the enriched
// topic and the lake as sent (Verify compares both with the records produced, the lake read by pyarrow),
// and DuckDB's JSON functions read them from the lake.
TEST_F(PipelineTest, EveryFieldSentReachesTheLakeAndTheEnrichedTopic) {
  const std::vector<std::string> extras = {
      R"("referrer":"https://search.example/?q=a%20b","max":1.7976931348623157e308)",
      R"("exact":0.1000000000000000055511151231257827,"tiny":5e-324,"big":123456789012345678901234567890)",
      R"("props":{"device":{"os":"iOS","v":[17,4]},"tags":[]},)"
      R"("u":"caf\u00e9 \ud83d\ude00 ça","esc":"\"\\\/\t")",
      R"("dup":1,"dup":[2],"is_late":"sent","processing_time":0)",
      R"("campaign": null , "flag" : true)"};
  auto stream = KnownStream(3000, 3);
  for (size_t i = 0; i < stream.size(); i += 3) {
    if (stream[i].value.starts_with(R"({"event_time")")) {
      stream[i].value.insert(1, extras[i / 3 % extras.size()] + ",");
    }
  }
  size_t with_props = 0;
  for (size_t i = 6; i < stream.size(); i += 15) with_props += ParseJson(stream[i].value).ok();  // extras[2]
  ProduceAll(input_, stream);
  RunAndVerify(stream.size());

  // DuckDB, as an analyst would query the lake.
  const std::string script = lake_.string() + ".duckdb.py";
  std::ofstream(script)
      << "import duckdb\n"
         "lake = duckdb.read_parquet('" +
             lake_.string() +
             "/*/*.parquet', union_by_name=True)\n"
             "print(duckdb.sql(\"SELECT count(*) FROM lake WHERE attributes->>'$.props.device.os' = 'iOS' "
             "AND attributes->>'$.u' = 'caf\u00e9 \U0001F600 \u00e7a'\").fetchall()[0][0])\n"
             "print(duckdb.sql(\"SELECT string_agg(DISTINCT attributes) FROM lake "
             "WHERE attributes->>'$.exact' IS NOT NULL\").fetchall()[0][0])\n";
  const CommandResult duckdb = RunCommand(SourceDir() + "/.deps/venv/bin/python " + script);
  ASSERT_EQ(duckdb.exit_code, 0) << duckdb.output;
  EXPECT_EQ(duckdb.output, std::to_string(with_props) + "\n{" + extras[1] + "}\n");
  std::filesystem::remove(script);
}

// A valid record as large as the input topic takes, with a member that does not compress: its enriched
// copy (two members more, lz4 framing) is larger, and the enriched topic's limit was raised at start to
// hold it. Otherwise its partition's commit would fail at every replay.
TEST_F(PipelineTest, AValidRecordAtTheInputsSizeLimitReachesTheEnrichedTopic) {
  const auto limit = kafka::MaxMessageBytes(Services().bootstrap_servers, input_, 10000);
  ASSERT_TRUE(limit.ok()) << limit.status().message();
  auto stream = KnownStream(2000, 5);
  const auto first = std::find_if(stream.begin(), stream.end(),
                                  [](const KeyedRecord& r) { return r.value.starts_with(R"({"event_time")"); });
  ASSERT_NE(first, stream.end());
  // Room for the key and the batch's framing (about 80 bytes), no more.
  std::string blob;
  std::mt19937_64 rng(5);
  const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const size_t size = static_cast<size_t>(*limit) - 100 - first->value.size() - first->key.size() - 10;
  while (blob.size() < size) blob += digits[rng() % 64];
  first->value.insert(1, R"("blob":")" + blob + R"(",)");
  // Alone in its batch, which the topic takes whole.
  ProduceAll(input_, {*first});
  stream.erase(first);
  ProduceAll(input_, stream);
  RunAndVerify(stream.size() + 1);
}

TEST_F(PipelineTest, KillNineFiveTimesChangesNothing) {
  const auto stream = KnownStream(200000, 2);
  ProduceAll(input_, stream);
  KillThenDrain(stream.size(), 5, 7);
  Verify(stream.size());
}

// Records real producers send, each of which once crashed or wedged a partition for good (a restart
// re-reads the same record): every one is rejected, reaches the dead-letter topic as it was sent, and
// changes no result.
std::vector<RawRecord> HostileRecords() {
  auto event = [](const std::string& time, const std::string& user_json, const std::string& page_json) {
    return R"({"event_time":")" + time + R"(","user_id":")" + user_json + R"(","page_url":")" + page_json +
           R"(","event_type":"page_view"})";
  };
  const std::string page = "https://example.com/home";
  // Deep enough to overflow a recursive parser's stack, small enough for the broker's default 1 MB limit.
  const int depth = 150'000;
  std::string deep_objects;
  for (int i = 0; i < depth; ++i) deep_objects += R"({"a":)";
  deep_objects += "1" + std::string(depth, '}');
  std::string deep_field = event("2026-03-01T10:00:00Z", "user_1", page);
  deep_field.insert(1, R"("extra":)" + std::string(depth, '[') + std::string(depth, ']') + ",");
  return {
      {"user_1", event("2126-03-01T10:00:00Z", "user_1", page), {{"trace", "far-ahead"}}, 0},  // --max-future
      {"user_2", event("9999-12-31T23:59:00Z", "user_2", page), {}, 0},
      {"user_3", event("9999-12-31T23:59:00-00:01", "user_3", page), {}, 0},  // year 10000 in UTC
      {"user_4", event("0000-01-01T00:00:00+00:01", "user_4", page), {}, 0},  // year 0 in UTC
      {"a", event("2026-03-01T10:00:00Z", R"(a\u0000b)", page), {}, 0},  // PostgreSQL text cannot hold it
      {"user_5", event("2026-03-01T10:00:00Z", "user_5", R"(https://example.com/\u001f)"), {}, 0},
      {"user_6", event("2026-03-01T10:00:00Z", R"(user\ud800)", page), {}, 0},  // unpaired surrogate
      {"user_7", deep_field, {}, 0},
      {"user_8", deep_objects, {}, 0},
      {"user_9", R"({"user_id":")" + std::string(1'040'000, 'u') + R"("})", {}, 0},  // near 1 MB
      {"user_10", std::nullopt, {{"empty", std::nullopt}}, 0},                       // tombstone
      {std::nullopt, "", {}, 0},
  };
}

TEST_F(PipelineTest, HostileRecordsUnderKillNineChangeNothing) {
  const auto stream = KnownStream(60000, 4);
  const auto hostile = HostileRecords();
  std::vector<RawRecord> records;
  std::mt19937_64 rng(11);
  for (const auto& r : stream) {
    records.push_back({r.key, r.value, {}, 0});
    if (rng() % 10000 < 6) records.push_back(hostile[rng() % hostile.size()]);
  }
  for (const auto& r : hostile) records.push_back(r);  // each kind at least once
  ProduceRaw(input_, records);
  KillThenDrain(records.size(), 3, 13);
  Verify(records.size());
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
    TestProducer to_input;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      const int needed = i < stream.size() / 4       ? kBrokerUp
                         : i < stream.size() * 3 / 4 ? kBrokerRestarted
                                                     : kPostgresDown;
      while (phase.load() < needed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      to_input.Produce(input_, std::vector<KeyedRecord>(stream.begin() + i,
                                                        stream.begin() + std::min(stream.size(), i + chunk)));
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
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "no commits after the broker restart; see " << log_path();
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
  const std::string log = ReadFile(log_path());
  EXPECT_NE(log.find("PostgreSQL commit failed"), std::string::npos) << log.substr(0, 4000);
  EXPECT_NE(log.find("kafka: "), std::string::npos) << log.substr(0, 4000);
}

// SPEC 1: a rejected record reaches the dead-letter topic as it was sent: a null key or value stays null,
// its headers and timestamp are kept, and one as large as the input topic allows still fits.
TEST_F(PipelineTest, DeadLettersKeepKeyValueHeadersTimestampAndSize) {
  // Near the broker's default limit of 1,048,588 bytes per batch; invalid (user_id too long).
  const std::string big = R"({"user_id":")" + std::string(1'040'000, 'u') + R"("})";
  const std::vector<RawRecord> sent = {
      {std::nullopt, "not json", {{"trace", "abc"}, {"empty", std::nullopt}}, 1'700'000'000'123},
      {"user_1", std::nullopt, {}, 1'700'000'001'000},  // tombstone
      {"", "", {{"trace", "def"}}, 1'700'000'002'000},
      {"user_2", big, {}, 1'700'000'003'000},
  };
  ProduceRaw(input_, sent);

  auto pipeline = StartPipeline();
  WaitDrained(sent.size(), 120);
  StopGracefully(*pipeline);
  const auto dlq = ConsumeAll(dlq_, sent.size(), 30, /*read_committed=*/true);
  ASSERT_EQ(dlq.size(), sent.size());
  for (const ConsumedRecord& r : dlq) {
    const auto it = std::find_if(sent.begin(), sent.end(),
                                 [&](const RawRecord& s) { return s.timestamp_ms == r.timestamp_ms; });
    ASSERT_NE(it, sent.end()) << "timestamp " << r.timestamp_ms << " was not sent";
    const RawRecord& s = *it;
    EXPECT_EQ(r.key_null, !s.key) << r.offset;
    EXPECT_EQ(r.key, s.key.value_or(""));
    EXPECT_EQ(r.value_null, !s.value) << r.offset;
    EXPECT_EQ(r.value, s.value.value_or(""));
    EXPECT_EQ(r.timestamp_ms, s.timestamp_ms);
    // The original headers first, in order, then the reason and the source.
    ASSERT_EQ(r.header_list.size(), s.headers.size() + 5);
    EXPECT_TRUE(std::equal(s.headers.begin(), s.headers.end(), r.header_list.begin()));
    EXPECT_EQ(r.header_list[s.headers.size()].first, "reason");
    EXPECT_EQ(r.headers.at("source_topic"), input_);
  }
}

}  // namespace
}  // namespace clickstream::testing
