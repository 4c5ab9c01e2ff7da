// Running `clickstream run` end to end on the real broker and server, and checking its outputs: a known
// stream goes in; PostgreSQL must equal what the engine computes offline for the same per-partition
// input (as `clickstream replay` does), the lake and the enriched topic must hold each event once, the
// DLQ each rejected record. Shared by the tests that run the pipeline through faults.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/parser.h"
#include "format/event_json.h"
#include "kafka/topics.h"
#include "test_services.h"

namespace clickstream::testing {

using Rows = std::multiset<std::string>;
using Record = KeyedRecord;

// Many users, event times out of order within the 2-minute bound, late events, session markers and
// invalid records of several kinds, keyed by user_id.
std::vector<Record> KnownStream(size_t n, uint64_t seed);

// What PostgreSQL, the lake and the topics must hold, computed offline from the input as stored per partition.
struct Expected {
  Rows page_view_counts, active_users, sessions, user_sessions, late_events, enriched, dlq;
  size_t lake_rows = 0;
};

Expected Compute(const std::string& input_topic, size_t produced);

// `column` (timestamptz) as RFC 3339 text in SQL.
std::string TsSql(const std::string& column);
// The first column of each row of `sql`.
Rows QueryRows(pg::Connection& db, const std::string& sql);
// Empties every table of the database.
void ResetTables(pg::Connection& db);

class PipelineHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = UniqueTopic("in");
    enriched_ = UniqueTopic("enriched");
    dlq_ = UniqueTopic("dlq");
    ASSERT_TRUE(kafka::EnsureTopics(Services().bootstrap_servers, {{input_, 4}, {enriched_, 4}, {dlq_, 1}}, 30000).ok());
    lake_ = std::filesystem::path(::testing::TempDir()) / UniqueTopic("lake");
    std::filesystem::remove_all(lake_);
    auto db = pg::Connection::Open(pg_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::make_unique<pg::Connection>(std::move(*db));
    ResetTables(*db_);
  }

  // From now on the pipeline writes to database `name`, created with the schema if missing and emptied.
  void UseDatabase(const std::string& name) {
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

  // A new connection to the results, for after the server restarted.
  void Reconnect() {
    auto db = pg::Connection::Open(pg_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::make_unique<pg::Connection>(std::move(*db));
  }

  std::unique_ptr<ChildProcess> StartPipeline(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {ClickstreamBinary(), "run", "--topic", input_, "--enriched-topic", enriched_,
                                     "--dlq-topic", dlq_, "--group-id", "g-" + input_, "--lake-dir", lake_.string(),
                                     "--status-interval", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(
        argv,
        std::vector<std::string>{"KAFKA_BOOTSTRAP_SERVERS=" + Services().bootstrap_servers, "DB_HOST=" + pg_.host,
                                 "DB_PORT=" + std::to_string(pg_.port), "DB_USER=" + pg_.user,
                                 "DB_PASSWORD=" + pg_.password, "DB_NAME=" + pg_.dbname, "HTTP_PORT=0"},
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
  pg::ConnectionOptions pg_ = Services().pg;  // where the pipeline writes its results
};

}  // namespace clickstream::testing
