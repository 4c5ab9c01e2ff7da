// `clickstream run` end to end on the real broker and server: a known stream goes in; PostgreSQL must
// equal what the engine computes offline for the same per-partition input (as `clickstream replay`
// does), the lake and the enriched topic must hold each event once, the DLQ each rejected record.
// Then the same under kill -9 and under server faults.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "common/rfc3339.h"
#include "engine/parser.h"
#include "engine/partition_engine.h"
#include "engine/result_table.h"
#include "format/event_json.h"
#include "kafka/client_config.h"
#include "kafka/topics.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

using Rows = std::multiset<std::string>;

using Record = KeyedRecord;

// Many users, event times out of order within the 2-minute bound, late events, session markers and
// invalid records of several kinds, keyed by user_id.
std::vector<Record> KnownStream(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const EventTime base = *ParseRfc3339("2026-03-01T10:00:00Z");
  const char* pages[] = {"https://example.com/home", "https://example.com/products", "https://example.com/cart"};
  const char* invalid[] = {"not json", "[1,2]", "{}",
                           R"({"event_time":"2026-03-01T10:00:00","user_id":"user_1","page_url":"p","event_type":"click"})",
                           R"({"event_time":"2026-03-01T10:00:00Z","user_id":7,"page_url":"p","event_type":"click"})",
                           R"({"event_time":"2026-03-01T10:00:00Z","user_id":"user_1","page_url":"p","event_type":"scroll"})"};
  std::vector<Record> out;
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
    e.event_type = t < 55 ? EventType::kPageView : t < 85 ? EventType::kClick : t < 93 ? EventType::kSessionStart
                                                                                      : EventType::kSessionEnd;
    e.event_time = roll < 30 ? clock - Duration::Minutes(5)
                             : clock - Duration::Micros(static_cast<int64_t>(rng() % 90'000'000));
    std::string value;
    AppendEventJson(e, &value);
    out.push_back({user, value});
  }
  return out;
}

std::string Ts(EventTime t) { return FormatRfc3339(t); }

// What PostgreSQL, the lake and the topics must hold, computed offline from the input as stored per partition.
struct Expected {
  Rows page_view_counts, active_users, sessions, user_sessions, late_events, enriched, dlq;
  size_t lake_rows = 0;
};

Expected Compute(const std::string& input_topic, size_t produced) {
  auto input = ConsumeAll(input_topic, produced, 60);
  EXPECT_EQ(input.size(), produced);
  std::sort(input.begin(), input.end(),
            [](const auto& a, const auto& b) { return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset); });
  Expected x;
  EventParser parser;
  struct Sum {
    int64_t count = 0;
    bool is_final = true;
  };
  std::map<std::string, Sum> pvc, au;
  std::map<int32_t, std::unique_ptr<PartitionEngine>> engines;
  for (const auto& r : input) {
    auto& engine = engines[r.partition];
    if (!engine) engine = std::make_unique<PartitionEngine>(EngineOptions{});
    ParseOutcome o = parser.Parse(r.value);
    if (!o.ok()) {
      x.dlq.insert(r.value + "|" + std::string(RejectReasonName(o.rejection().reason)) + "|" +
                   std::to_string(r.partition) + "|" + std::to_string(r.offset));
      continue;
    }
    const Admission a = engine->Add(o.event());
    std::string enriched;
    AppendEventJson(o.event(), &enriched);
    x.enriched.insert(enriched + (a.late ? "|late" : "|on-time"));
    ++x.lake_rows;
    if (a.late) {
      x.late_events.insert(std::to_string(r.partition) + "|" + std::to_string(r.offset) + "|" +
                           std::to_string(a.lateness.micros()));
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
             std::to_string(s.event_count) + "|" + std::to_string(s.page_view_count) + "|" + (s.is_final ? "t" : "f");
    };
    for (const auto& [key, row] : table.sessions()) x.sessions.insert(session(row));
    for (const auto& [key, row] : table.user_sessions()) x.user_sessions.insert(session(row));
  }
  for (const auto& [k, s] : pvc) x.page_view_counts.insert(k + "|" + std::to_string(s.count) + "|" + (s.is_final ? "t" : "f"));
  for (const auto& [k, s] : au) x.active_users.insert(k + "|" + std::to_string(s.count) + "|" + (s.is_final ? "t" : "f"));
  return x;
}

constexpr const char* kTs = R"('YYYY-MM-DD"T"HH24:MI:SS.US"Z"')";

std::string TsSql(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + kTs + ")";
}

Rows QueryRows(pg::Connection& db, const std::string& sql) {
  Rows rows;
  auto res = db.Query(sql);
  EXPECT_TRUE(res.ok()) << res.status().message();
  if (!res.ok()) return rows;
  for (int i = 0; i < res->rows(); ++i) rows.insert(std::string(res->text(i, 0)));
  return rows;
}

void ResetTables(pg::Connection& db) {
  ASSERT_TRUE(db.Exec("DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = "
                      "'public' LOOP EXECUTE format('TRUNCATE %I', t); END LOOP; END $$")
                  .ok());
}

// A pipeline under test with its own topics, group and lake.
class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = UniqueTopic("in");
    enriched_ = UniqueTopic("enriched");
    dlq_ = UniqueTopic("dlq");
    ASSERT_TRUE(kafka::EnsureTopics(Services().bootstrap_servers, {{input_, 4}, {enriched_, 4}, {dlq_, 1}}, 30000).ok());
    lake_ = std::filesystem::path(::testing::TempDir()) / UniqueTopic("lake");
    std::filesystem::remove_all(lake_);
    auto db = pg::Connection::Open(Services().pg);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::make_unique<pg::Connection>(std::move(*db));
    ResetTables(*db_);
  }

  std::unique_ptr<ChildProcess> StartPipeline(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {ClickstreamBinary(), "run", "--topic", input_, "--enriched-topic", enriched_,
                                     "--dlq-topic", dlq_, "--group-id", "g-" + input_, "--lake-dir", lake_.string(),
                                     "--status-interval", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto& s = Services();
    return std::make_unique<ChildProcess>(
        argv,
        std::vector<std::string>{"KAFKA_BOOTSTRAP_SERVERS=" + s.bootstrap_servers, "DB_HOST=" + s.pg.host,
                                 "DB_PORT=" + std::to_string(s.pg.port), "DB_USER=" + s.pg.user,
                                 "DB_PASSWORD=" + s.pg.password, "DB_NAME=" + s.pg.dbname, "HTTP_PORT=0"},
        log_path());
  }

  std::string log_path() const { return lake_.string() + ".log"; }

  // Committed offset of every partition that PostgreSQL holds, summed.
  int64_t CommittedOffsets() {
    auto res = db_->Query("SELECT coalesce(sum(next_offset), 0) FROM partition_progress");
    return res.ok() && res->rows() == 1 ? std::stoll(std::string(res->text(0, 0))) : -1;
  }

  // Committed offset of each partition, as PostgreSQL holds it.
  std::map<int32_t, int64_t> ProgressByPartition() {
    std::map<int32_t, int64_t> out;
    auto res = db_->Query("SELECT kafka_partition, coalesce(next_offset, 0) FROM partition_progress");
    EXPECT_TRUE(res.ok()) << res.status().message();
    for (int i = 0; res.ok() && i < res->rows(); ++i) {
      out[std::stoi(std::string(res->text(i, 0)))] = std::stoll(std::string(res->text(i, 1)));
    }
    return out;
  }

  // Waits up to `timeout_s` for the pipeline's log to hold `text`.
  bool WaitForLog(const std::string& text, int timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (RunCommand("cat " + log_path()).output.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  // Sum of the partitions' fence tokens: each claim of a partition adds one.
  int64_t Claims() {
    auto res = db_->Query("SELECT coalesce(sum(fence), 0) FROM partition_progress");
    return res.ok() && res->rows() == 1 ? std::stoll(std::string(res->text(0, 0))) : -1;
  }

  // Waits until PostgreSQL holds offsets up to the end of every partition.
  void WaitDrained(size_t produced, int timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (CommittedOffsets() < static_cast<int64_t>(produced) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_EQ(CommittedOffsets(), static_cast<int64_t>(produced)) << "pipeline did not drain; see " << log_path();
  }

  // Waits until `claims` claims were made and the pipeline's status line then reports no lag.
  void WaitForCaughtUp(int64_t claims) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (;;) {
      const std::string log = RunCommand("cat " + log_path()).output;
      const size_t last_claim = log.rfind("claimed (fence");
      if (Claims() >= claims && last_claim != std::string::npos &&
          log.find("| lag 0 |", last_claim) != std::string::npos) {
        return;
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "pipeline did not catch up; see " << log_path();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  void StopGracefully(ChildProcess& p) {
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60), 0) << "see " << log_path();
  }

  void Verify(size_t produced) {
    const Expected x = Compute(input_, produced);
    EXPECT_EQ(QueryRows(*db_, "SELECT " + TsSql("window_start") + " || '|' || " + TsSql("window_end") +
                                  " || '|' || page_url || '|' || view_count || '|' || CASE WHEN is_final THEN 't' ELSE 'f' END "
                                  "FROM page_view_counts"),
              x.page_view_counts);
    EXPECT_EQ(QueryRows(*db_, "SELECT " + TsSql("window_start") + " || '|' || " + TsSql("window_end") +
                                  " || '|' || active_user_count || '|' || CASE WHEN is_final THEN 't' ELSE 'f' END "
                                  "FROM active_users"),
              x.active_users);
    const std::string session_cols = "user_id || '|' || " + TsSql("session_start_time") + " || '|' || " +
                                     TsSql("session_end_time") + " || '|' || event_count || '|' || page_view_count "
                                     "|| '|' || CASE WHEN is_final THEN 't' ELSE 'f' END";
    EXPECT_EQ(QueryRows(*db_, "SELECT " + session_cols + " FROM session_history"), x.sessions);
    EXPECT_EQ(QueryRows(*db_, "SELECT " + session_cols + " FROM user_sessions"), x.user_sessions);
    EXPECT_EQ(QueryRows(*db_,
                        "SELECT kafka_partition || '|' || kafka_offset || '|' || "
                        "round(lateness_seconds * 1000000)::bigint FROM late_events"),
              x.late_events);
    EXPECT_GT(x.late_events.size(), 0u);

    // Enriched: each valid event once, read_committed.
    Rows enriched;
    EventParser parser;
    for (const auto& r : ConsumeAll(enriched_, x.enriched.size() + 1, 20, /*read_committed=*/true)) {
      ParseOutcome o = parser.Parse(r.value);
      ASSERT_TRUE(o.ok()) << r.value;
      EXPECT_EQ(r.key, o.event().user_id);
      EXPECT_NE(r.value.find("\"processing_time\":"), std::string::npos);
      std::string base;
      AppendEventJson(o.event(), &base);
      enriched.insert(base + (r.value.find("\"is_late\":true") != std::string::npos ? "|late" : "|on-time"));
    }
    EXPECT_EQ(enriched.size(), x.enriched.size());
    EXPECT_TRUE(enriched == x.enriched) << "enriched topic differs from the valid input events";

    // Dead letters: each rejected record once, unchanged, with reason and source headers.
    Rows dlq;
    for (const auto& r : ConsumeAll(dlq_, x.dlq.size() + 1, 10, /*read_committed=*/true)) {
      EXPECT_EQ(r.headers.at("source_topic"), input_);
      dlq.insert(r.value + "|" + r.headers.at("reason") + "|" + r.headers.at("source_partition") + "|" +
                 r.headers.at("source_offset"));
    }
    EXPECT_EQ(dlq, x.dlq);

    // Lake: each accepted or late event once, read back with pyarrow.
    const CommandResult lake = RunCommand(
        SourceDir() + "/.deps/venv/bin/python -c \"import pyarrow.dataset as ds; "
        "t = ds.dataset('" + lake_.string() + "', format='parquet', partitioning='hive').to_table(); "
        "keys = set(zip(t['kafka_partition'].to_pylist(), t['kafka_offset'].to_pylist())); "
        "print(t.num_rows, len(keys), sum(t['is_late'].to_pylist()))\"");
    EXPECT_EQ(lake.exit_code, 0) << lake.output;
    EXPECT_EQ(lake.output, std::to_string(x.lake_rows) + " " + std::to_string(x.lake_rows) + " " +
                               std::to_string(x.late_events.size()) + "\n");
  }

  std::string input_, enriched_, dlq_;
  std::filesystem::path lake_;
  std::unique_ptr<pg::Connection> db_;
};

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
