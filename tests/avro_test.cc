// Avro input end to end on the real broker, server and schema registry (ctest fixture "registry"): the
// same stream as JSON and as Avro gives the same PostgreSQL results, lake and enriched topic; writer
// schemas that change mid-stream; every rejection reason reaches the dead-letter topic; a registry
// stopped for 10 s mid-run loses and doubles nothing. What each run must produce is computed offline from
// the JSON form of each record (pipeline_fixture.h), not with the decoder under test.
#include <httplib.h>

#include <random>

#include "common/rfc3339.h"
#include "common/wall_clock.h"
#include "engine/avro_parser.h"
#include "engine/avro_test_util.h"
#include "format/event_avro.h"
#include "kafka/topics.h"
#include "pipeline_fixture.h"
#include "registry/schema_registry.h"

namespace clickstream::testing {
namespace {

using testing_util::AvroLong;
using testing_util::AvroRecord;
using testing_util::AvroString;

// Evolved from kEventAvroSchema: fields reordered, event_type an enum, event_time in milliseconds, a field
// added with a default.
constexpr std::string_view kSchemaV2 = R"({"type":"record","name":"UserActivity","namespace":"clickstream",
  "fields":[{"name":"user_id","type":"string"},
            {"name":"event_type","type":{"type":"enum","name":"EventType",
                                         "symbols":["page_view","click","session_start","session_end"]}},
            {"name":"referrer","type":["null","string"],"default":null},
            {"name":"event_time","type":{"type":"long","logicalType":"timestamp-millis"}},
            {"name":"page_url","type":"string"}]})";

// kSchemaV2's encoding of `e` (whose event_time is in whole milliseconds).
std::string EncodeV2(const Event& e) {
  std::string body;
  AvroString(e.user_id, &body);
  AvroLong(static_cast<int64_t>(e.event_type), &body);
  AvroLong(1, &body);
  AvroString("https://referrer.example", &body);
  AvroLong(e.event_time.micros() / 1000, &body);
  AvroString(e.page_url, &body);
  return body;
}

Rejection Rejected(RejectReason reason) { return {reason, ""}; }

class AvroTest : public PipelineTest {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Services().schema_registry_url.empty())
        << "the schema registry is not running (ctest fixture)";
    PipelineTest::SetUp();
    SchemaRegistryOptions options;
    options.url = Services().schema_registry_url;
    auto registry = SchemaRegistry::Open(options);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(*registry);
  }

  uint32_t Register(std::string_view schema) {
    const Result<uint32_t> id = registry_->Register(input_ + "-value", schema);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }

  // The flags of Avro input, and `extra`.
  static std::vector<std::string> AvroFlags(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(),
                 {"--input-format", "avro", "--schema-registry-url", Services().schema_registry_url});
    return extra;
  }

  // The outcome the pipeline must reach for each value produced.
  RecordParse Expectations() {
    return [this](const std::string& value) {
      const auto it = expected_.find(value);
      EXPECT_NE(it, expected_.end()) << "a value the test did not produce";
      return it == expected_.end() ? ParseOutcome(Rejected(RejectReason::kInvalidJson)) : it->second;
    };
  }

  // `stream` (JSON, KnownStream) as Avro: valid events in kEventAvroSchema registered as `id` (or where
  // `use_v2` says so, kSchemaV2 registered as `v2_id`), invalid records as they are (not the wire
  // format). Records what each must become.
  std::vector<KeyedRecord> AsAvro(const std::vector<KeyedRecord>& stream, uint32_t id, uint32_t v2_id = 0,
                                  const std::function<bool(size_t)>& use_v2 = {}) {
    auto writer = EventAvroWriter::Create(id);
    EXPECT_TRUE(writer.ok());
    std::vector<KeyedRecord> out;
    for (size_t i = 0; i < stream.size(); ++i) {
      const ParseOutcome json = ParseJson(stream[i].value);
      std::string value;
      if (!json.ok()) {
        value = stream[i].value;
        expected_.emplace(value, Rejected(RejectReason::kInvalidWireFormat));
      } else if (use_v2 && use_v2(i)) {
        Event e = json.event();
        e.event_time = EventTime::FromMicros(e.event_time.micros() / 1000 * 1000);
        value = AvroRecord(v2_id, EncodeV2(e));
        // The field the schema adds, in Avro's JSON encoding, in the enriched topic and the lake.
        e.attributes = R"({"referrer":{"string":"https://referrer.example"}})";
        expected_.emplace(value, e);
      } else {
        (*writer)->Append(json.event(), &value);
        expected_.emplace(value, json);
      }
      out.push_back({stream[i].key, value});
    }
    return out;
  }

  // PostgreSQL's results, the enriched topic (without processing_time) and the lake (without
  // processing_time), as sorted text.
  std::vector<Rows> Outputs() {
    const std::vector<std::string> queries = {
        "SELECT concat_ws('|', window_start, page_url, view_count, is_final) FROM page_view_counts",
        "SELECT concat_ws('|', window_start, active_user_count, is_final) FROM active_users",
        "SELECT concat_ws('|', user_id, session_start_time, session_end_time, event_count, page_view_count, "
        "is_final) FROM session_history",
        "SELECT concat_ws('|', user_id, session_start_time, session_end_time, event_count, is_final) "
        "FROM user_sessions",
        "SELECT concat_ws('|', kafka_partition, kafka_offset, user_id, page_url, event_type, event_time, "
        "lateness_seconds, watermark) FROM late_events"};
    std::vector<Rows> out;
    for (const auto& q : queries) out.push_back(QueryRows(*db_, q));
    Rows enriched;
    for (const auto& r : ConsumeAll(enriched_, 1'000'000, 10, /*read_committed=*/true)) {
      enriched.insert(r.key + "|" + r.value.substr(0, r.value.find("\"processing_time\"")) +
                      r.value.substr(r.value.find("\"is_late\"")));
    }
    out.push_back(enriched);
    const CommandResult lake = RunCommand(
        SourceDir() + "/.deps/venv/bin/python -c \"import pyarrow.dataset as ds; t = ds.dataset('" +
        lake_.string() +
        "', format='parquet', partitioning='hive').to_table(); t = t.drop_columns(['processing_time']); "
        "print('\\n'.join(sorted(str(r) for r in t.to_pylist())))\"");
    EXPECT_EQ(lake.exit_code, 0) << lake.output;
    Rows lake_rows;
    size_t start = 0;
    for (size_t end; (end = lake.output.find('\n', start)) != std::string::npos; start = end + 1) {
      lake_rows.insert(lake.output.substr(start, end - start));
    }
    out.push_back(lake_rows);
    return out;
  }

  std::unique_ptr<SchemaRegistry> registry_;
  std::map<std::string, ParseOutcome> expected_;
};

TEST_F(AvroTest, SameStreamAsJsonAndAsAvroGivesTheSameResults) {
  const auto stream = KnownStream(20000, 21);
  ProduceAll(input_, stream);
  RunAndVerify(stream.size());
  const std::vector<Rows> from_json = Outputs();
  ASSERT_GT(from_json[0].size(), 0u);

  // The same records as Avro, on topics of their own with the same partitions (same keys, same order,
  // so the same offsets), into a database of their own.
  SetUp();
  UseDatabase("clickstream_avro");
  ProduceAll(input_, AsAvro(stream, Register(kEventAvroSchema)));
  RunAndVerify(stream.size(), AvroFlags(), Expectations());
  const std::vector<Rows> from_avro = Outputs();
  ASSERT_EQ(from_avro.size(), from_json.size());
  const char* names[] = {
      "page_view_counts", "active_users", "session_history", "user_sessions", "late_events",
      "enriched topic",   "lake"};
  for (size_t i = 0; i < from_json.size(); ++i) {
    EXPECT_TRUE(from_avro[i] == from_json[i]) << names[i] << " differs between JSON and Avro input";
  }
}

TEST_F(AvroTest, WriterSchemaChangesMidStream) {
  const uint32_t v1 = Register(kEventAvroSchema), v2 = Register(kSchemaV2);
  ASSERT_NE(v1, v2);
  const auto stream = KnownStream(8000, 22);
  // v1 first, then v2, then both interleaved (two producers mid-upgrade).
  const auto records =
      AsAvro(stream, v1, v2, [](size_t i) { return (i >= 3000 && i < 6000) || (i >= 6000 && i % 2); });
  ProduceAll(input_, records);
  RunAndVerify(records.size(), AvroFlags(), Expectations());
}

TEST_F(AvroTest, EveryRejectionReasonReachesTheDeadLetterTopic) {
  const uint32_t v1 = Register(kEventAvroSchema);
  // Writer schemas whose records cannot give an event.
  const uint32_t no_url = Register(R"({"type":"record","name":"NoUrl","fields":[
      {"name":"event_time","type":"string"},{"name":"user_id","type":"string"},{"name":"event_type","type":"string"}]})");
  const uint32_t int_user = Register(R"({"type":"record","name":"IntUser","fields":[
      {"name":"event_time","type":"string"},{"name":"user_id","type":"int"},{"name":"page_url","type":"string"},
      {"name":"event_type","type":"string"}]})");
  const uint32_t recursive = Register(R"({"type":"record","name":"Chain","fields":[
      {"name":"event_time","type":"string"},{"name":"next","type":["null","Chain"]}]})");
  auto v1_body = [](EventTime t, const std::string& user, const std::string& url) {
    return testing_util::ClickV1(t.micros(), user, url, "page_view");
  };
  const EventTime t = *ParseRfc3339("2026-03-01T10:00:00Z");
  std::string no_url_body, int_user_body, recursive_body;
  for (const char* s : {"2026-03-01T10:00:00Z", "user_1", "click"}) AvroString(s, &no_url_body);
  AvroString("2026-03-01T10:00:00Z", &int_user_body);
  AvroLong(7, &int_user_body);
  AvroString("/", &int_user_body);
  AvroString("click", &int_user_body);
  AvroString("2026-03-01T10:00:00Z", &recursive_body);
  AvroLong(0, &recursive_body);
  const std::string good = v1_body(t, "user_1", "https://example.com/home");
  const std::vector<std::pair<std::string, RejectReason>> bad = {
      {R"({"event_time":"2026-03-01T10:00:00Z","user_id":"user_1","page_url":"/","event_type":"click"})",
       RejectReason::kInvalidWireFormat},
      {std::string("\0\0\0", 3), RejectReason::kInvalidWireFormat},
      {AvroRecord(4'000'000'000u, good), RejectReason::kUnknownSchemaId},
      {AvroRecord(v1, good.substr(0, good.size() - 3)), RejectReason::kInvalidAvro},
      {AvroRecord(v1, good + "trailing"), RejectReason::kInvalidAvro},
      {AvroRecord(recursive, recursive_body), RejectReason::kInvalidAvro},
      {AvroRecord(no_url, no_url_body), RejectReason::kMissingField},
      {AvroRecord(int_user, int_user_body), RejectReason::kWrongType},
      {AvroRecord(v1, v1_body(t, std::string("a\0b", 3), "/")), RejectReason::kControlCharacter},
      {AvroRecord(v1, v1_body(t, "user_1", std::string(2049, 'p'))), RejectReason::kFieldTooLong},
      {AvroRecord(v1, v1_body(t, "user_\xff", "/")), RejectReason::kInvalidUtf8},
      {AvroRecord(v1, testing_util::ClickV1(kLatestTime.micros() + 1, "user_1", "/", "click")),
       RejectReason::kInvalidEventTime},
      {AvroRecord(v1, testing_util::ClickV1(t.micros(), "user_1", "/", "scroll")),
       RejectReason::kUnknownEventType},
      // Stamped now, dated a century ahead: --max-future.
      {AvroRecord(v1, v1_body(WallClockNow() + Duration::Minutes(60 * 24 * 365 * 100), "user_1", "/")),
       RejectReason::kFutureEventTime},
  };
  // A valid stream with each of them, twice, among it.
  auto records = AsAvro(KnownStream(3000, 23), v1);
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < bad.size(); ++i) {
      records.insert(records.begin() + static_cast<std::ptrdiff_t>((i + 1) * 150 + round * 75),
                     {"user_" + std::to_string(i), bad[i].first});
      expected_.emplace(bad[i].first, Rejected(bad[i].second));
    }
  }
  ProduceAll(input_, records);
  RunAndVerify(records.size(), AvroFlags(), Expectations());
  // Each reason named, with its detail.
  std::set<std::string> reasons;
  for (const auto& r : ConsumeAll(dlq_, 1'000'000, 5, /*read_committed=*/true)) {
    reasons.insert(r.headers.at("reason"));
    EXPECT_FALSE(r.headers.at("detail").empty());
  }
  for (const auto& [value, reason] : bad) EXPECT_TRUE(reasons.count(std::string(RejectReasonName(reason))));
}

TEST_F(AvroTest, RegistryStoppedForTenSecondsLosesAndDoublesNothing) {
  const uint32_t v1 = Register(kEventAvroSchema), v2 = Register(kSchemaV2);
  // v1 until the registry stops, then v2: the pipeline has not seen v2 yet and must ask for it.
  const auto stream = KnownStream(30000, 24);
  const auto records = AsAvro(stream, v1, v2, [](size_t i) { return i >= 10000; });
  const int http_port = FreePort();
  auto pipeline = StartPipeline(AvroFlags({"--http-port", std::to_string(http_port)}));
  ProduceAll(input_, std::vector<KeyedRecord>(records.begin(), records.begin() + 10000));
  WaitDrained(10000, 120);

  const std::string pid = RunCommand("bash " + SourceDir() + "/scripts/services.sh registry-pid").output;
  ASSERT_EQ(RunCommand("kill -STOP " + pid).exit_code, 0);
  const auto stopped = std::chrono::steady_clock::now();
  std::thread producer([&] {
    ProduceSlowly(input_, std::vector<KeyedRecord>(records.begin() + 10000, records.end()), 1000, 300);
  });
  // The pipeline waits: /healthz names the registry, nothing of v2 is committed or rejected.
  httplib::Client http("127.0.0.1", http_port);
  bool reported = false;
  while (std::chrono::steady_clock::now() - stopped < std::chrono::seconds(10)) {
    if (auto res = http.Get("/healthz")) {
      reported = reported || res->body.find("schema registry unavailable for") != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_TRUE(reported) << "/healthz did not name the registry";
  // Only the invalid records a partition meets before its first v2 record may pass meanwhile.
  EXPECT_LE(CommittedOffsets(), 10000 + 40)
      << "records of an unknown schema were committed during the outage";
  ASSERT_EQ(RunCommand("kill -CONT " + pid).exit_code, 0);
  producer.join();
  WaitDrained(records.size(), 180);
  WaitForCaughtUp(4);
  EXPECT_TRUE(WaitForLog("schema registry answers again", 1)) << "see " << log_path();
  StopGracefully(*pipeline);
  Verify(records.size(), Expectations());
}

}  // namespace
}  // namespace clickstream::testing
