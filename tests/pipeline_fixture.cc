#include "pipeline_fixture.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "common/rfc3339.h"
#include "engine/parser.h"
#include "engine/partition_engine.h"
#include "engine/result_table.h"
#include "format/enriched_record.h"
#include "format/event_json.h"
#include "kafka/topics.h"

namespace clickstream::testing {
namespace {

std::string Ts(EventTime t) { return FormatRfc3339(t); }

// A record as sent: key and value (or null), timestamp and the first `headers` headers.
std::string AsSent(const ConsumedRecord& r, size_t headers) {
  std::string out = (r.key_null ? "<null>" : r.key) + "|" + (r.value_null ? "<null>" : r.value) + "|" +
                    std::to_string(r.timestamp_ms);
  for (size_t i = 0; i < headers && i < r.header_list.size(); ++i) {
    out += "|" + r.header_list[i].first + "=" + r.header_list[i].second.value_or("<null>");
  }
  return out;
}

// An enriched record without its processing_time, which only the pipeline knows.
std::string WithoutProcessingTime(std::string value) {
  const size_t from = value.rfind(",\"processing_time\":"), to = value.rfind(",\"is_late\":");
  if (from != std::string::npos && to != std::string::npos && from < to) value.erase(from, to - from);
  return value;
}

// Headers the pipeline adds to a dead letter after the record's own.
constexpr size_t kDeadLetterHeaders = 5;

Expected Compute(const std::string& input_topic, size_t produced, const RecordParse& parse,
                 const EngineOptions& options) {
  auto input = ConsumeAll(input_topic, produced, 60);
  EXPECT_EQ(input.size(), produced);
  std::sort(input.begin(), input.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  Expected x;
  struct Sum {
    int64_t count = 0;
    bool is_final = true;
  };
  std::map<std::string, Sum> pvc, au;
  std::map<int32_t, std::unique_ptr<PartitionEngine>> engines;
  for (const auto& r : input) {
    auto& engine = engines[r.partition];
    if (!engine) engine = std::make_unique<PartitionEngine>(options);
    ParseOutcome o = parse(r.value);
    if (o.ok()) {
      // --max-future at its default of 24 h
      if (auto future =
              CheckFutureEventTime(o.event().event_time, r.timestamp_ms, Duration::Minutes(24 * 60))) {
        o = std::move(*future);
      }
    }
    if (!o.ok()) {
      x.dlq.insert(AsSent(r, r.header_list.size()) + "|" +
                   std::string(RejectReasonName(o.rejection().reason)) + "|" + std::to_string(r.partition) +
                   "|" + std::to_string(r.offset));
      continue;
    }
    const Admission a = engine->Add(o.event());
    std::string enriched;
    EnrichedRecordJson(o.event(), EventTime(), a.late, &enriched);
    x.enriched.insert(r.key + "|" + WithoutProcessingTime(enriched));
    ++x.lake_rows;
    if (!o.event().attributes.empty()) {
      x.lake_attributes.insert(std::to_string(r.partition) + "|" + std::to_string(r.offset) + "|" +
                               o.event().attributes);
    }
    if (a.late) {
      const std::string row = std::to_string(r.partition) + "|" + std::to_string(r.offset) + "|" +
                              std::to_string(a.lateness.micros());
      x.late_events.insert(row);
      x.late_event_times[row] = o.event().event_time;
    }
  }
  for (auto& [partition, engine] : engines) {
    Changes changes;
    engine->TakeChanges(&changes);
    ResultTable table;
    table.Apply(changes);
    for (const auto& [key, row] : table.page_view_counts()) {
      Sum& s = pvc[Ts(row.window_start) + "|" + Ts(row.window_end) + "|" + row.page_url];
      s.count += row.view_count;
      s.is_final = s.is_final && row.is_final;
    }
    for (const auto& [key, row] : table.active_users()) {
      Sum& s = au[Ts(row.window_start) + "|" + Ts(row.window_end)];
      s.count += row.active_user_count;
      s.is_final = s.is_final && row.is_final;
    }
    auto session = [](const SessionRow& s) {
      return s.user_id + "|" + Ts(s.session_start_time) + "|" + Ts(s.session_end_time) + "|" +
             std::to_string(s.event_count) + "|" + std::to_string(s.page_view_count) + "|" +
             (s.is_final ? "t" : "f");
    };
    for (const auto& [key, row] : table.sessions()) x.sessions.insert(session(row));
    for (const auto& [key, row] : table.user_sessions()) x.user_sessions.insert(session(row));
  }
  for (const auto& [k, s] : pvc)
    x.page_view_counts.insert(k + "|" + std::to_string(s.count) + "|" + (s.is_final ? "t" : "f"));
  for (const auto& [k, s] : au)
    x.active_users.insert(k + "|" + std::to_string(s.count) + "|" + (s.is_final ? "t" : "f"));
  return x;
}

constexpr const char* kTs = R"('YYYY-MM-DD"T"HH24:MI:SS.US"Z"')";

std::string TsSql(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + kTs + ")";
}

// A pipeline under test with its own topics, group and lake.

}  // namespace

ParseOutcome ParseJson(const std::string& value) {
  static EventParser parser;
  return parser.Parse(value);
}

std::vector<KeyedRecord> KnownStream(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const EventTime base = *ParseRfc3339("2026-03-01T10:00:00Z");
  const char* pages[] = {"https://example.com/home", "https://example.com/products",
                         "https://example.com/cart"};
  const char* invalid[] = {
      "not json",
      "[1,2]",
      "{}",
      R"({"event_time":"2026-03-01T10:00:00","user_id":"user_1","page_url":"p","event_type":"click"})",
      R"({"event_time":"2026-03-01T10:00:00Z","user_id":7,"page_url":"p","event_type":"click"})",
      R"({"event_time":"2026-03-01T10:00:00Z","user_id":"user_1","page_url":"p","event_type":"scroll"})"};
  std::vector<KeyedRecord> out;
  EventTime clock = base;
  for (size_t i = 0; i < n; ++i) {
    clock = clock + Duration::Micros(static_cast<int64_t>(rng() % 400'000));
    const std::string user = "user_" + std::to_string(rng() % 60);
    const uint64_t roll = rng() % 1000;
    if (roll < 10) {
      out.push_back({user, invalid[rng() % std::size(invalid)]});
      continue;
    }
    Event e;
    e.user_id = user;
    e.page_url = pages[rng() % std::size(pages)];
    const uint64_t t = rng() % 100;
    e.event_type = t < 55   ? EventType::kPageView
                   : t < 85 ? EventType::kClick
                   : t < 93 ? EventType::kSessionStart
                            : EventType::kSessionEnd;
    e.event_time = roll < 30 ? clock - Duration::Minutes(5)
                             : clock - Duration::Micros(static_cast<int64_t>(rng() % 90'000'000));
    std::string value;
    AppendEventJson(e, &value);
    out.push_back({user, value});
  }
  return out;
}

Rows QueryRows(pg::Connection& db, const std::string& sql) {
  Rows rows;
  auto res = db.Query(sql);
  EXPECT_TRUE(res.ok()) << res.status().message();
  if (!res.ok()) return rows;
  for (int i = 0; i < res->rows(); ++i) rows.insert(std::string(res->text(i, 0)));
  return rows;
}

void ProduceSlowly(const std::string& topic, const std::vector<KeyedRecord>& records, size_t chunk,
                   int pause_ms, const std::atomic<bool>* abandon) {
  TestProducer producer;
  for (size_t i = 0; i < records.size() && !(abandon != nullptr && abandon->load()); i += chunk) {
    const auto begin = records.begin() + static_cast<std::ptrdiff_t>(i);
    producer.Produce(topic, std::vector<KeyedRecord>(begin, begin + static_cast<std::ptrdiff_t>(
                                                                       std::min(chunk, records.size() - i))));
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
}

void PipelineTest::SetUp() {
  input_ = UniqueTopic("in");
  enriched_ = UniqueTopic("enriched");
  dlq_ = UniqueTopic("dlq");
  ASSERT_TRUE(kafka::EnsureTopics(Services().bootstrap_servers,
                                  {{input_, input_partitions_}, {enriched_, 4}, {dlq_, 1}}, 30000)
                  .ok());
  lake_ = std::filesystem::path(::testing::TempDir()) / UniqueTopic("lake");
  std::filesystem::remove_all(lake_);
  Reconnect();
  ResetTables(*db_);
}

void PipelineTest::UseDatabase(const std::string& name) {
  auto exists = db_->Query("SELECT 1 FROM pg_database WHERE datname = $1", {name});
  ASSERT_TRUE(exists.ok()) << exists.status().message();
  if (exists->rows() == 0) {
    ASSERT_TRUE(db_->Exec("CREATE DATABASE " + name).ok());
  }
  pg_.dbname = name;
  Reconnect();
  std::ifstream schema(SourceDir() + "/sql/init-db.sql");
  const std::string sql((std::istreambuf_iterator<char>(schema)), std::istreambuf_iterator<char>());
  const Status applied = db_->Exec(sql);
  ASSERT_TRUE(applied.ok()) << applied.message();
  ResetTables(*db_);
}

void PipelineTest::Reconnect() {
  auto db = pg::Connection::Open(pg_);
  ASSERT_TRUE(db.ok()) << db.status().message();
  db_ = std::make_unique<pg::Connection>(std::move(*db));
}

std::map<int32_t, int64_t> PipelineTest::ProgressByPartition() {
  std::map<int32_t, int64_t> out;
  auto res = db_->Query("SELECT kafka_partition, coalesce(next_offset, 0) FROM partition_progress");
  EXPECT_TRUE(res.ok()) << res.status().message();
  for (int i = 0; res.ok() && i < res->rows(); ++i) {
    out[std::stoi(std::string(res->text(i, 0)))] = std::stoll(std::string(res->text(i, 1)));
  }
  return out;
}

bool PipelineTest::WaitForLog(const std::string& text, int timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (ReadFile(log_path()).find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

Expected PipelineTest::Expect(size_t produced, const RecordParse& parse) {
  return Compute(input_, produced, parse, analytics_);
}

void PipelineTest::Verify(size_t produced, const RecordParse& parse) {
  const Expected x = Expect(produced, parse);
  VerifyDatabase(x);
  VerifyOutputs(x);
}

void PipelineTest::VerifyDatabase(size_t produced) {
  VerifyDatabase(Compute(input_, produced, ParseJson, analytics_));
}

void PipelineTest::VerifyDatabase(const Expected& x) {
  EXPECT_EQ(
      QueryRows(
          *db_,
          "SELECT " + TsSql("window_start") + " || '|' || " + TsSql("window_end") +
              " || '|' || page_url || '|' || view_count || '|' || CASE WHEN is_final THEN 't' ELSE 'f' END "
              "FROM page_view_counts"),
      x.page_view_counts);
  EXPECT_EQ(
      QueryRows(*db_, "SELECT " + TsSql("window_start") + " || '|' || " + TsSql("window_end") +
                          " || '|' || active_user_count || '|' || CASE WHEN is_final THEN 't' ELSE 'f' END "
                          "FROM active_users"),
      x.active_users);
  const std::string session_cols = "user_id || '|' || " + TsSql("session_start_time") + " || '|' || " +
                                   TsSql("session_end_time") +
                                   " || '|' || event_count || '|' || page_view_count "
                                   "|| '|' || CASE WHEN is_final THEN 't' ELSE 'f' END";
  EXPECT_EQ(QueryRows(*db_, "SELECT " + session_cols + " FROM session_history"), x.sessions);
  EXPECT_EQ(QueryRows(*db_, "SELECT " + session_cols + " FROM user_sessions"), x.user_sessions);
  EXPECT_EQ(QueryRows(*db_,
                      "SELECT kafka_partition || '|' || kafka_offset || '|' || "
                      "round(lateness_seconds * 1000000)::bigint FROM late_events"),
            x.late_events);
  EXPECT_GT(x.late_events.size(), 0u);
}

void PipelineTest::VerifyOutputs(const Expected& x) {
  // Enriched: each valid event once, read_committed.
  // Each event's four fields, its other members as sent, then processing_time and is_late.
  Rows enriched;
  for (const auto& r : ConsumeAll(enriched_, x.enriched.size() + 1, 20, /*read_committed=*/true)) {
    EXPECT_NE(r.value.find("\"processing_time\":"), std::string::npos);
    enriched.insert(r.key + "|" + WithoutProcessingTime(r.value));
  }
  EXPECT_EQ(enriched.size(), x.enriched.size());
  EXPECT_TRUE(enriched == x.enriched) << "enriched topic differs from the valid input events";

  // Dead letters: each rejected record once, as sent (key, value, headers, timestamp), with reason and
  // source headers.
  Rows dlq;
  for (const auto& r : ConsumeAll(dlq_, x.dlq.size() + 1, 10, /*read_committed=*/true)) {
    EXPECT_EQ(r.headers.at("source_topic"), input_);
    ASSERT_GE(r.header_list.size(), kDeadLetterHeaders);
    dlq.insert(AsSent(r, r.header_list.size() - kDeadLetterHeaders) + "|" + r.headers.at("reason") + "|" +
               r.headers.at("source_partition") + "|" + r.headers.at("source_offset"));
  }
  EXPECT_EQ(dlq.size(), x.dlq.size());
  EXPECT_TRUE(dlq == x.dlq) << "the dead-letter topic differs from the rejected input records";

  // Lake: each accepted or late event once, read back with pyarrow.
  const CommandResult lake =
      RunCommand(SourceDir() +
                 "/.deps/venv/bin/python -c \"import pyarrow.dataset as ds; "
                 "t = ds.dataset('" +
                 lake_.string() +
                 "', format='parquet', partitioning='hive').to_table(); "
                 "keys = set(zip(t['kafka_partition'].to_pylist(), t['kafka_offset'].to_pylist())); "
                 "print(t.num_rows, len(keys), sum(t['is_late'].to_pylist())); "
                 "[print('%s|%s|%s' % (r['kafka_partition'], r['kafka_offset'], r['attributes'])) "
                 "for r in t.select(['kafka_partition', 'kafka_offset', 'attributes']).to_pylist() "
                 "if r['attributes'] != '{}']\"");
  EXPECT_EQ(lake.exit_code, 0) << lake.output;
  const size_t counts_end = lake.output.find('\n');
  EXPECT_EQ(lake.output.substr(0, counts_end),
            std::to_string(x.lake_rows) + " " + std::to_string(x.lake_rows) + " " +
                std::to_string(x.late_events.size()));
  // Every other member as sent, read back by pyarrow.
  Rows lake_attributes;
  for (size_t start = counts_end + 1, end; (end = lake.output.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lake_attributes.insert(lake.output.substr(start, end - start));
  }
  EXPECT_TRUE(lake_attributes == x.lake_attributes) << "the lake's attributes differ from what was sent";
}

void PipelineTest::KillThenDrain(size_t produced, int kills, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Lake files every second, so crashes land between seal, commit and publish too. A killed member's
  // partitions return after the session timeout (the minimum the broker allows). Commits at the fast
  // cadence even though the input is a backlog, so a kill lands among many of them (spaced by the
  // freshness budget, one commit would cover the whole input).
  const std::vector<std::string> flags = {"--lake-roll-age",    "1", "--session-timeout-ms", "6000",
                                          "--max-result-delay", "0"};
  int64_t claims = Claims();
  int mid_stream_kills = 0;
  for (int kill = 0; kill < kills; ++kill) {
    auto pipeline = StartPipeline(flags);
    // Kill only once the process owns all four partitions, at a random moment of its processing.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (Claims() < claims + 4 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GE(Claims(), claims + 4) << "see " << log_path();
    claims = Claims();
    // ... once it committed a random share (10-60%) of what is left: each run makes progress, and the
    // kill lands while results are being committed whatever the speed of the machine and the client.
    const int64_t before = CommittedOffsets();
    const int64_t target =
        before + std::max<int64_t>(1, (static_cast<int64_t>(produced) - before) * (10 + rng() % 51) / 100);
    while (CommittedOffsets() < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    pipeline->Signal(SIGKILL);
    pipeline->Wait(10);
    const int64_t committed = CommittedOffsets();
    mid_stream_kills += committed > 0 && committed < static_cast<int64_t>(produced);
  }
  EXPECT_GE(mid_stream_kills, std::min(kills, 2))
      << "the kills should land while results are being committed";
  const size_t claim_lines = ClaimLines(ReadFile(log_path()));
  auto pipeline = StartPipeline(flags);
  WaitDrained(produced, 300);
  // PostgreSQL may already hold everything while the lake's tail is re-read: wait until the new process
  // reports no lag, so its graceful stop writes that tail.
  WaitForCaughtUp(claim_lines + 4);
  StopGracefully(*pipeline);
}

}  // namespace clickstream::testing
