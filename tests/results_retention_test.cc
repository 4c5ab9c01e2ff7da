// --results-retention on the real server. Directly: exactly the rows that can no longer change and are
// older than the retention go (windows ended at or before the cutoff, final sessions and late events
// before it), nothing while a partition has no watermark, and a pass is skipped while another process
// runs one. Through `clickstream run`: deleting while the pipeline commits, the rows left equal the
// engine's results filtered by the cutoff, and the lake and topics keep everything.
#include "postgres/results_retention.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "common/rfc3339.h"
#include "pipeline_fixture.h"

namespace clickstream::testing {
namespace {

EventTime T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

class ResultsRetentionTest : public PipelineTest {
 protected:
  void Exec(const std::string& sql) {
    const Status st = db_->Exec(sql);
    ASSERT_TRUE(st.ok()) << st.message() << "\n" << sql;
  }
  Result<pg::RetentionPass> Pass(int batch_rows) {
    pg::ResultsRetention retention(Duration::Minutes(60), batch_rows);
    return retention.Run(*db_, [] { return false; });
  }
};

TEST_F(ResultsRetentionTest, DeletesOnlyWhatCanNoLongerChangeOnceEveryPartitionHasAWatermark) {
  UseDatabase("clickstream_retention_test");
  Exec("SET TimeZone = 'UTC'");
  // Partition 1 has no watermark yet: it may still receive events of any time.
  Exec(
      "INSERT INTO partition_progress (kafka_partition, watermark, fence) VALUES "
      "(0, '2026-03-01 12:00:00+00', 1), (1, NULL, 1)");
  // With a retention of 1 h the cutoff is 11:00, once partition 1's watermark (12:30) is past 0's.
  Exec(
      "INSERT INTO page_view_counts (window_start, window_end, page_url, view_count, is_final) VALUES "
      "('2026-03-01 09:59', '2026-03-01 10:00', 'a', 1, true), "
      "('2026-03-01 10:59', '2026-03-01 11:00', 'a', 2, true), "
      "('2026-03-01 10:59', '2026-03-01 11:00', 'b', 3, true), "
      "('2026-03-01 11:00', '2026-03-01 11:01', 'a', 4, true), "
      "('2026-03-01 12:00', '2026-03-01 12:01', 'a', 5, false)");
  Exec(
      "INSERT INTO active_users (window_start, window_end, active_user_count, is_final) VALUES "
      "('2026-03-01 10:55', '2026-03-01 11:00', 1, true), "
      "('2026-03-01 10:56', '2026-03-01 11:01', 2, true), "
      "('2026-03-01 11:58', '2026-03-01 12:03', 3, false)");
  Exec(
      "INSERT INTO session_history (user_id, session_start_time, session_end_time, session_duration_seconds, "
      "event_count, page_view_count, is_final) VALUES "
      "('u1', '2026-03-01 10:00', '2026-03-01 10:30', 1800, 2, 1, true), "
      "('u1', '2026-03-01 10:40', '2026-03-01 10:59:59', 1199, 2, 1, true), "
      "('u2', '2026-03-01 10:40', '2026-03-01 11:00', 1200, 2, 1, true), "
      "('u3', '2026-03-01 10:00', '2026-03-01 10:10', 600, 2, 1, false)");
  Exec(
      "INSERT INTO late_events (kafka_partition, kafka_offset, event_time, user_id, page_url, event_type, "
      "lateness_seconds, watermark) VALUES "
      "(0, 1, '2026-03-01 10:59:59', 'u1', 'a', 'click', 60, '2026-03-01 11:00:59'), "
      "(0, 2, '2026-03-01 11:00', 'u1', 'a', 'click', 60, '2026-03-01 11:01')");
  const std::string rows =
      "SELECT (SELECT string_agg(page_url || view_count, ',' ORDER BY view_count) FROM page_view_counts) || "
      "' ' "
      "|| (SELECT string_agg(active_user_count::text, ',' ORDER BY active_user_count) FROM active_users) || "
      "' ' || (SELECT string_agg(user_id || '@' || to_char(session_end_time, 'HH24:MI:SS'), ',' ORDER BY "
      "user_id, session_start_time) FROM session_history) || ' ' || (SELECT string_agg(kafka_offset::text, "
      "',' ORDER BY kafka_offset) FROM late_events)";
  const Rows everything = QueryRows(*db_, rows);

  auto pass = Pass(2);
  ASSERT_TRUE(pass.ok()) << pass.status().message();
  EXPECT_FALSE(pass->cutoff.has_value());
  EXPECT_EQ(pass->deleted_rows, 0);
  EXPECT_EQ(QueryRows(*db_, rows), everything);

  Exec("UPDATE partition_progress SET watermark = '2026-03-01 12:30:00+00' WHERE kafka_partition = 1");
  pass = Pass(2);  // batches of 2 rows: the three page_view_counts take two
  ASSERT_TRUE(pass.ok()) << pass.status().message();
  ASSERT_TRUE(pass->cutoff.has_value());
  EXPECT_EQ(*pass->cutoff, T("2026-03-01T11:00:00Z"));
  EXPECT_EQ(pass->deleted_rows, 3 + 1 + 2 + 1);
  // Kept: windows that end after 11:00, the session that ended at 11:00, the active session (whatever its
  // end), the late event of 11:00.
  EXPECT_EQ(QueryRows(*db_, rows), Rows{"a4,a5 2,3 u2@11:00:00,u3@10:10:00 2"});

  // A second pass finds nothing; one while another process runs a pass is skipped.
  pass = Pass(2);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->deleted_rows, 0);
  auto other = pg::Connection::Open(pg_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->Exec("SELECT pg_advisory_lock(7240581937716352902)").ok());  // results_retention.cc's
  pass = Pass(2);
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->skipped);
}

// The cutoff of the retention set below, from the watermarks PostgreSQL holds.
EventTime Cutoff(pg::Connection& db, Duration retention) {
  const Rows horizon = QueryRows(db,
                                 "SELECT extract(epoch FROM min(watermark))::numeric * 1000000 FROM "
                                 "partition_progress");
  return EventTime::FromMicros(std::stoll(*horizon.begin())) - retention;
}

// The rows of `rows` to keep: those whose field `field` (a time, '|'-separated) is at or after `cutoff`
// (`inclusive`: after it), or that `keep` keeps anyway.
Rows Kept(const Rows& rows, size_t field, const std::string& cutoff, bool inclusive,
          bool (*keep)(const std::string&) = nullptr) {
  Rows out;
  for (const std::string& row : rows) {
    size_t begin = 0;
    for (size_t i = 0; i < field; ++i) begin = row.find('|', begin) + 1;
    const std::string time = row.substr(begin, row.find('|', begin) - begin);
    if ((inclusive ? time > cutoff : time >= cutoff) || (keep != nullptr && keep(row))) out.insert(row);
  }
  return out;
}

TEST_F(ResultsRetentionTest, WhileThePipelineCommitsTheRowsLeftAreTheResultsAfterTheCutoff) {
  UseDatabase("clickstream_retention_test");
  // About 10 minutes of event time, arriving over 10 s, so that passes (one at the start, then every
  // 10 s) run between commits.
  const auto stream = KnownStream(3000, 41);
  std::jthread producer([&] { ProduceSlowly(input_, stream, 300, 1000); });
  auto pipeline = StartPipeline({"--results-retention", "4m"});
  producer.join();
  WaitDrained(stream.size(), 120);
  const std::string cutoff = FormatRfc3339(Cutoff(*db_, Duration::Minutes(4)));
  // The pass after the last commit deletes what it made expire.
  const std::string expired =
      "SELECT (SELECT count(*) FROM page_view_counts WHERE window_end <= '" + cutoff +
      "') + (SELECT count(*) FROM active_users WHERE window_end <= '" + cutoff +
      "') + (SELECT count(*) FROM session_history WHERE is_final AND session_end_time < '" + cutoff +
      "') + (SELECT count(*) FROM late_events WHERE event_time < '" + cutoff + "')";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (QueryRows(*db_, expired) != Rows{"0"} && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  StopGracefully(*pipeline);

  const Expected all = Expect(stream.size());
  Expected x = all;
  x.page_view_counts = Kept(all.page_view_counts, 1, cutoff, /*inclusive=*/true);
  x.active_users = Kept(all.active_users, 1, cutoff, /*inclusive=*/true);
  const auto open = [](const std::string& row) { return row.back() == 'f'; };
  x.sessions = Kept(all.sessions, 2, cutoff, /*inclusive=*/false, open);
  x.user_sessions.clear();  // each user's latest session among those kept
  std::map<std::string, std::string> latest;
  for (const std::string& row : x.sessions) {
    const std::string user = row.substr(0, row.find('|'));
    if (latest[user] < row) latest[user] = row;  // the start follows the user id; both sort as text
  }
  for (const auto& [user, row] : latest) x.user_sessions.insert(row);
  x.late_events.clear();
  for (const std::string& row : all.late_events) {
    if (FormatRfc3339(all.late_event_times.at(row)) >= cutoff) x.late_events.insert(row);
  }
  // Something of every table went, something stayed.
  for (const auto& [kept, every] :
       {std::pair(&x.page_view_counts, &all.page_view_counts), std::pair(&x.active_users, &all.active_users),
        std::pair(&x.sessions, &all.sessions), std::pair(&x.late_events, &all.late_events)}) {
    EXPECT_LT(kept->size(), every->size());
    EXPECT_GT(kept->size(), 0u);
  }
  VerifyDatabase(x);
  VerifyOutputs(all);  // the lake and the topics are not the retention's
  EXPECT_TRUE(WaitForLog("deleted", 1)) << "see " << log_path();
}

}  // namespace
}  // namespace clickstream::testing
