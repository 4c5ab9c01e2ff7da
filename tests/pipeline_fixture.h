// A pipeline under test on the real broker and server, with its own topics, group and lake, and the
// check of its outputs: PostgreSQL must equal what the engine computes offline for the same
// per-partition input (as `clickstream replay` does), the lake and the enriched topic must hold each
// event once, the DLQ each rejected record.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/options.h"
#include "engine/parser.h"
#include "test_services.h"

namespace clickstream::testing {

using Rows = std::multiset<std::string>;

// What the pipeline must make of one input record's value: its event, or its rejection.
using RecordParse = std::function<ParseOutcome(const std::string& value)>;
// JSON input: EventParser.
ParseOutcome ParseJson(const std::string& value);

// Many users, event times out of order within the 2-minute bound, late events, session markers and
// invalid records of several kinds, keyed by user_id.
std::vector<KeyedRecord> KnownStream(size_t n, uint64_t seed);

// The first column of every row of `sql`.
Rows QueryRows(pg::Connection& db, const std::string& sql);

// Produces `records` to `topic` in chunks of `chunk`, `pause_ms` apart: input that keeps arriving. Gives
// up, before the next chunk, once `*abandon` is true (a test that failed and returns).
void ProduceSlowly(const std::string& topic, const std::vector<KeyedRecord>& records, size_t chunk,
                   int pause_ms, const std::atomic<bool>* abandon = nullptr);

// What PostgreSQL, the lake and the topics must hold, computed offline from the input as stored per
// partition.
struct Expected {
  Rows page_view_counts, active_users, sessions, user_sessions, late_events, enriched, dlq;
  size_t lake_rows = 0;
  Rows lake_attributes;  // "partition|offset|attributes" of each event sent with other members
  std::map<std::string, EventTime> late_event_times;  // by row of late_events
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Starts `clickstream run` on the test's topics, group and lake, its output to `log` (log_path() if empty).
  std::unique_ptr<ChildProcess> StartPipeline(const std::vector<std::string>& extra = {},
                                              const std::string& log = {}) {
    std::vector<std::string> argv = {
        ClickstreamBinary(), "run", "--topic",    input_,        "--enriched-topic", enriched_,
        "--dlq-topic",       dlq_,  "--group-id", "g-" + input_, "--lake-dir",       lake_.string(),
        "--status-interval", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(
        argv,
        std::vector<std::string>{"KAFKA_BOOTSTRAP_SERVERS=" + Services().bootstrap_servers,
                                 "DB_HOST=" + pg_.host, "DB_PORT=" + std::to_string(pg_.port),
                                 "DB_USER=" + pg_.user, "DB_PASSWORD=" + pg_.password,
                                 "DB_NAME=" + pg_.dbname, "HTTP_PORT=0"},
        log.empty() ? log_path() : log);
  }

  // From now on the pipeline writes to database `name`, created with the schema if missing and emptied.
  void UseDatabase(const std::string& name);

  // A new connection to the results, for after the server restarted.
  void Reconnect();

  // Committed offset of each partition, as PostgreSQL holds it.
  std::map<int32_t, int64_t> ProgressByPartition();

  // Waits up to `timeout_s` for the pipeline's log to hold `text`.
  bool WaitForLog(const std::string& text, int timeout_s);

  std::string log_path() const { return lake_.string() + ".log"; }

  // Committed offset of every partition that PostgreSQL holds, summed.
  int64_t CommittedOffsets() {
    auto res = db_->Query("SELECT coalesce(sum(next_offset), 0) FROM partition_progress");
    return res.ok() && res->rows() == 1 ? std::stoll(std::string(res->text(0, 0))) : -1;
  }

  // Sum of the partitions' fence tokens: each claim of a partition adds one.
  int64_t Claims() {
    auto res = db_->Query("SELECT coalesce(sum(fence), 0) FROM partition_progress");
    return res.ok() && res->rows() == 1 ? std::stoll(std::string(res->text(0, 0))) : -1;
  }

  // Waits until PostgreSQL holds offsets up to the end of every partition.
  void WaitDrained(size_t produced, int timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (CommittedOffsets() < static_cast<int64_t>(produced) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_EQ(CommittedOffsets(), static_cast<int64_t>(produced))
        << "pipeline did not drain; see " << log_path();
  }

  // The claims a pipeline's log records: one line each, "partition N claimed (fence F): ...".
  static constexpr std::string_view kClaimLine = "claimed (fence";
  static size_t ClaimLines(std::string_view log) { return Occurrences(log, kClaimLine); }

  // Waits until the pipeline's log holds `claims` claims (at least one) and a status line after the last
  // one reports no lag. `path`: the pipeline's log, log_path() if empty. Counted in the log, not in
  // PostgreSQL: a claim's fence is stored before its line is written, and a status line from before the
  // claim must not count.
  void WaitForCaughtUp(size_t claims, const std::string& path = {}) {
    const std::string log_file = path.empty() ? log_path() : path;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (;;) {
      const std::string log = ReadFile(log_file);
      const size_t last_claim = log.rfind(kClaimLine);
      if (last_claim != std::string::npos && ClaimLines(log) >= claims &&
          log.find("| lag 0 |", last_claim) != std::string::npos) {
        return;
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "pipeline did not catch up; see " << log_file;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // Kills the pipeline with SIGKILL `kills` times at random moments while it works through `produced`
  // records, then lets a last process drain them and stop gracefully.
  void KillThenDrain(size_t produced, int kills, uint64_t seed);

  void StopGracefully(ChildProcess& p) {
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(60), 0) << "see " << log_path();
  }

  // Runs the pipeline with `extra` flags until it committed all `produced` records, stops it gracefully
  // and verifies its outputs, each record read by `parse`.
  void RunAndVerify(size_t produced, const std::vector<std::string>& extra = {},
                    const RecordParse& parse = ParseJson) {
    auto pipeline = StartPipeline(extra);
    WaitDrained(produced, 120);
    StopGracefully(*pipeline);
    Verify(produced, parse);
  }

  // PostgreSQL, the enriched topic, the dead-letter topic and the lake equal what the engine computes
  // offline from the input as stored per partition, each record read by `parse`.
  void Verify(size_t produced, const RecordParse& parse = ParseJson);
  // What the outputs must hold, computed offline from the input as stored per partition.
  Expected Expect(size_t produced, const RecordParse& parse = ParseJson);
  // PostgreSQL alone (for after a run that re-read its input: the lake and topics then hold it twice).
  void VerifyDatabase(size_t produced);

  void VerifyDatabase(const Expected& x);
  void VerifyOutputs(const Expected& x);

  int input_partitions_ = 4;  // of the input topic, created by SetUp()
  EngineOptions analytics_;   // the analytics settings the pipeline runs with, for Verify
  std::string input_, enriched_, dlq_;
  std::filesystem::path lake_;
  std::unique_ptr<pg::Connection> db_;
  pg::ConnectionOptions pg_ = Services().pg;  // where the pipeline writes its results
};

}  // namespace clickstream::testing
