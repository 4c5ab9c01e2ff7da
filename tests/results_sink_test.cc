// ResultsSink against the real PostgreSQL server: sums over partitions, sessions, late events, fencing,
// progress and snapshots, and the rows/s of a large commit.
#include "postgres/results_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "common/rfc3339.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

using pg::ResultsSink;

EventTime T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

class ResultsSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = pg::Connection::Open(Services().pg);
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    conn_ = std::make_unique<pg::Connection>(std::move(conn).value());
    ASSERT_TRUE(conn_
                    ->Exec("SET TimeZone = 'UTC'; TRUNCATE page_view_counts, active_users, session_history, "
                           "late_events, partition_progress, page_view_counts_by_partition, "
                           "active_users_by_partition, engine_snapshots, lake_batches RESTART IDENTITY")
                    .ok());
    auto sink = ResultsSink::Open(Services().pg);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    sink_ = std::make_unique<ResultsSink>(std::move(sink).value());
  }

  int64_t Claim(int partition) {
    auto claim = sink_->Claim(Partition(partition));
    EXPECT_TRUE(claim.ok()) << claim.status().message();
    return claim.ok() ? claim->fence : -1;
  }

  // Rows of `sql` with columns joined by '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    auto res = conn_->Query(sql);
    EXPECT_TRUE(res.ok()) << res.status().message();
    std::vector<std::string> rows;
    for (int r = 0; res.ok() && r < res->rows(); ++r) {
      std::string row;
      for (int c = 0; c < res->columns(); ++c) row += (c ? "|" : "") + std::string(res->text(r, c));
      rows.push_back(row);
    }
    return rows;
  }

  // Applies sql/init-db.sql to database `dbname` of the test server as an operator would.
  static void ApplySchema(const std::string& dbname) {
    const auto& db = Services().pg;
    const CommandResult applied =
        RunCommand("PGPASSWORD=" + db.password + " psql -q -X -v ON_ERROR_STOP=1 -h " + db.host + " -p " +
                   std::to_string(db.port) + " -U " + db.user + " -d " + dbname +
                   " -c 'SET client_min_messages = warning' -f " + SourceDir() + "/sql/init-db.sql");
    ASSERT_EQ(applied.exit_code, 0) << applied.output;
  }

  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<ResultsSink> sink_;
};

PartitionCommit CommitOf(int partition, int64_t fence, int64_t next_offset,
                         const Changes* changes = nullptr) {
  PartitionCommit c;
  c.partition = Partition(partition);
  c.fence = fence;
  c.next_offset = Offset(next_offset);
  c.watermark = Watermark(T("2026-03-01T10:00:00Z"));
  c.changes = changes;
  return c;
}

PageViewCountRow Views(const char* url, int64_t count, bool final) {
  return {T("2026-03-01T10:00:00Z"), T("2026-03-01T10:01:00Z"), url, count, final};
}

ActiveUsersRow Users(int64_t count, bool final) {
  return {T("2026-03-01T09:56:00Z"), T("2026-03-01T10:01:00Z"), count, final};
}

Changes Windows(std::vector<PageViewCountRow> views, std::vector<ActiveUsersRow> users = {}) {
  Changes c;
  c.page_view_counts = std::move(views);
  c.active_users = std::move(users);
  return c;
}

constexpr char kViews[] = "SELECT page_url, view_count, is_final FROM page_view_counts ORDER BY page_url";
constexpr char kUsers[] = "SELECT window_start, window_end, active_user_count, is_final FROM active_users";

TEST_F(ResultsSinkTest, VisibleCountsAreSumsOverPartitionsAndFinalOnlyWhenFinalInAll) {
  const int64_t f0 = Claim(0), f1 = Claim(1);
  Changes p0 = Windows({Views("/a", 3, true), Views("/b", 1, false)}, {Users(2, true)});
  ASSERT_TRUE(sink_->Commit({CommitOf(0, f0, 10, &p0)}).ok());
  EXPECT_EQ(Rows(kViews), (std::vector<std::string>{"/a|3|t", "/b|1|f"}));
  EXPECT_EQ(Rows(kUsers), (std::vector<std::string>{"2026-03-01 09:56:00+00|2026-03-01 10:01:00+00|2|t"}));

  Changes p1 = Windows({Views("/a", 4, false)}, {Users(5, false)});
  ASSERT_TRUE(sink_->Commit({CommitOf(1, f1, 20, &p1)}).ok());
  EXPECT_EQ(Rows(kViews), (std::vector<std::string>{"/a|7|f", "/b|1|f"}));
  EXPECT_EQ(Rows(kUsers), (std::vector<std::string>{"2026-03-01 09:56:00+00|2026-03-01 10:01:00+00|7|f"}));

  // Both partitions in one commit; each sends only what changed.
  p0 = Windows({Views("/b", 2, true)});
  p1 = Windows({Views("/a", 4, true), Views("/b", 5, true)}, {Users(5, true)});
  ASSERT_TRUE(sink_->Commit({CommitOf(1, f1, 21, &p1), CommitOf(0, f0, 11, &p0)}).ok());
  EXPECT_EQ(Rows(kViews), (std::vector<std::string>{"/a|7|t", "/b|7|t"}));
  EXPECT_EQ(Rows(kUsers), (std::vector<std::string>{"2026-03-01 09:56:00+00|2026-03-01 10:01:00+00|7|t"}));
  EXPECT_EQ(Rows("SELECT kafka_partition, page_url, view_count FROM page_view_counts_by_partition "
                 "ORDER BY page_url, kafka_partition"),
            (std::vector<std::string>{"0|/a|3", "1|/a|4", "0|/b|2", "1|/b|5"}));
}

TEST_F(ResultsSinkTest, SessionsAreUpsertedRemovedAndTheLatestIsKeptPerUser) {
  const int64_t fence = Claim(0);
  const SessionRow first{"u1", T("2026-03-01T10:00:00Z"), T("2026-03-01T10:05:00Z"), 2, 1, true};
  const SessionRow second{"u1", T("2026-03-01T10:30:00Z"), T("2026-03-01T10:31:00Z"), 2, 1, false};
  const SessionRow other{"u2", T("2026-03-01T10:00:00Z"), T("2026-03-01T10:00:00Z"), 1, 1, false};
  Changes changes;
  changes.sessions = {first, second, other};
  ASSERT_TRUE(sink_->Commit({CommitOf(0, fence, 5, &changes)}).ok());
  EXPECT_EQ(Rows("SELECT user_id, session_start_time FROM session_history ORDER BY 1, 2"),
            (std::vector<std::string>{"u1|2026-03-01 10:00:00+00", "u1|2026-03-01 10:30:00+00",
                                      "u2|2026-03-01 10:00:00+00"}));
  // user_sessions is derived from the history: each user's session with the latest start.
  EXPECT_EQ(Rows("SELECT user_id, session_start_time FROM user_sessions ORDER BY 1"),
            (std::vector<std::string>{"u1|2026-03-01 10:30:00+00", "u2|2026-03-01 10:00:00+00"}));

  // A late event merges u1's sessions: the second disappears, the first grows (microseconds kept).
  const SessionRow merged{"u1", T("2026-03-01T10:00:00Z"), T("2026-03-01T10:31:00.000001Z"), 5, 2, false};
  changes.sessions = {merged};
  changes.removed_sessions = {{"u1", T("2026-03-01T10:30:00Z")}};
  ASSERT_TRUE(sink_->Commit({CommitOf(0, fence, 6, &changes)}).ok());
  const std::vector<std::string> expected = {
      "u1|2026-03-01 10:00:00+00|2026-03-01 10:31:00.000001+00|1860.000001|5|2|f",
      "u2|2026-03-01 10:00:00+00|2026-03-01 10:00:00+00|0|1|1|f"};
  EXPECT_EQ(
      Rows("SELECT user_id, session_start_time, session_end_time, session_duration_seconds, event_count, "
           "page_view_count, is_final FROM session_history ORDER BY 1, 2"),
      expected);
  EXPECT_EQ(
      Rows("SELECT user_id, session_start_time, session_end_time, session_duration_seconds, event_count, "
           "page_view_count, is_final FROM user_sessions ORDER BY 1"),
      expected);
}

TEST_F(ResultsSinkTest, LateEventsAreWrittenOnce) {
  const int64_t fence = Claim(2);
  const Watermark w(T("2026-03-01T10:10:00Z"));
  const auto late = [&](int64_t offset, const char* user) {
    return LateEventRecord{
        Offset(offset),
        {{T("2026-03-01T10:00:00.5Z"), user, "/x'; DROP TABLE late_events; --", EventType::kClick},
         w.time() - T("2026-03-01T10:00:00.5Z")},
        w};
  };
  PartitionCommit c = CommitOf(2, fence, 8);
  c.late_events = {late(5, "u1"), late(7, "u2")};
  ASSERT_TRUE(sink_->Commit({c}).ok());
  // A retry of the same commit, then one more event.
  ASSERT_TRUE(sink_->Commit({c}).ok());
  c.late_events.push_back(late(8, "u3"));
  c.next_offset = Offset(9);
  ASSERT_TRUE(sink_->Commit({c}).ok());
  EXPECT_EQ(Rows("SELECT kafka_partition, kafka_offset, event_time, user_id, page_url, event_type, "
                 "lateness_seconds, "
                 "watermark FROM late_events ORDER BY kafka_offset"),
            (std::vector<std::string>{"2|5|2026-03-01 10:00:00.5+00|u1|/x'; DROP TABLE late_events; "
                                      "--|click|599.5|2026-03-01 10:10:00+00",
                                      "2|7|2026-03-01 10:00:00.5+00|u2|/x'; DROP TABLE late_events; "
                                      "--|click|599.5|2026-03-01 10:10:00+00",
                                      "2|8|2026-03-01 10:00:00.5+00|u3|/x'; DROP TABLE late_events; "
                                      "--|click|599.5|2026-03-01 10:10:00+00"}));
}

TEST_F(ResultsSinkTest, ACommitUnderAnOldFenceFailsAndWritesNothing) {
  const int64_t old_fence = Claim(0);
  const int64_t f1 = Claim(1);
  const int64_t new_fence = Claim(0);
  EXPECT_EQ(new_fence, old_fence + 1);

  const Changes p0 = Windows({Views("/a", 3, false)});
  const Changes p1 = Windows({Views("/a", 4, false)});
  PartitionCommit stale = CommitOf(0, old_fence, 100, &p0);
  stale.snapshot = EngineSnapshot{Offset(100), "state"};
  stale.lake_batches = {"batch"};
  std::vector<Partition> fenced;
  const Status st = sink_->Commit({CommitOf(1, f1, 50, &p1), stale}, &fenced);
  EXPECT_EQ(st.code(), StatusCode::kFenced);
  EXPECT_NE(st.message().find("partition 0"), std::string::npos) << st.message();
  EXPECT_EQ(fenced, std::vector<Partition>{Partition(0)});
  for (const char* table :
       {"page_view_counts", "page_view_counts_by_partition", "engine_snapshots", "lake_batches"}) {
    EXPECT_EQ(Rows(std::string("SELECT count(*) FROM ") + table), std::vector<std::string>{"0"}) << table;
  }
  EXPECT_EQ(Rows("SELECT kafka_partition, next_offset FROM partition_progress ORDER BY 1"),
            (std::vector<std::string>{"0|", "1|"}));

  // The same commit without the fenced partition goes through; then the new owner commits.
  ASSERT_TRUE(sink_->Commit({CommitOf(1, f1, 50, &p1)}, &fenced).ok());
  EXPECT_TRUE(fenced.empty());
  EXPECT_EQ(Rows(kViews), std::vector<std::string>{"/a|4|f"});
  ASSERT_TRUE(sink_->Commit({CommitOf(0, new_fence, 100, &p0)}).ok());
  EXPECT_EQ(Rows(kViews), std::vector<std::string>{"/a|7|f"});
}

// The rows are written before the hook runs, COMMIT waits for it, and a partition it leaves out (its Kafka
// transaction failed) rolls the whole transaction back, like a stale fence.
TEST_F(ResultsSinkTest, CommitWaitsForItsHookAndWritesNothingWhenItLeavesAPartitionOut) {
  const int64_t f0 = Claim(0);
  const int64_t f1 = Claim(1);
  const Changes p0 = Windows({Views("/a", 3, false)});
  const Changes p1 = Windows({Views("/a", 4, false)});
  std::vector<Partition> fenced;
  bool ran = false;
  const Status st = sink_->Commit({CommitOf(0, f0, 10, &p0), CommitOf(1, f1, 20, &p1)}, &fenced, [&] {
    ran = true;
    return std::vector<Partition>{Partition(1)};
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(st.code(), StatusCode::kFenced) << st.message();
  EXPECT_EQ(fenced, std::vector<Partition>{Partition(1)});
  EXPECT_EQ(Rows("SELECT count(*) FROM page_view_counts"), std::vector<std::string>{"0"});
  EXPECT_EQ(Rows("SELECT kafka_partition, next_offset FROM partition_progress ORDER BY 1"),
            (std::vector<std::string>{"0|", "1|"}));

  // Without it the rest goes through; a hook that leaves out none of the commits lets them commit.
  ASSERT_TRUE(
      sink_->Commit({CommitOf(0, f0, 10, &p0)}, &fenced, [] { return std::vector<Partition>{Partition(1)}; })
          .ok());
  EXPECT_EQ(Rows(kViews), std::vector<std::string>{"/a|3|f"});
  EXPECT_EQ(Rows("SELECT kafka_partition, next_offset FROM partition_progress ORDER BY 1"),
            (std::vector<std::string>{"0|10", "1|"}));
}

// The sink sends each commit's statements as two pipelines (one round trip each).
TEST_F(ResultsSinkTest, APipelineReturnsEachResultInOrderAndStopsAtTheFirstFailure) {
  ASSERT_TRUE(conn_->Exec("CREATE TEMP TABLE piped (v bigint)").ok());
  auto done = conn_->Pipeline({{"BEGIN", {}},
                               {"INSERT INTO piped VALUES ($1) RETURNING v + 1", {pg::Param::Int8(41)}},
                               {"SELECT count(*) FROM piped", {}}});
  ASSERT_TRUE(done.ok()) << done.status().message();
  ASSERT_EQ(done->size(), 3u);
  EXPECT_EQ((*done)[1].int8(0, 0), 42);
  EXPECT_EQ((*done)[2].int8(0, 0), 1);
  ASSERT_TRUE(conn_->Exec("COMMIT").ok());

  auto failed = conn_->Pipeline({{"BEGIN", {}},
                                 {"INSERT INTO piped VALUES (1)", {}},
                                 {"SELECT 1 / 0", {}},
                                 {"INSERT INTO piped VALUES (2)", {}}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kRefused);
  EXPECT_NE(failed.status().message().find("SELECT 1 / 0: SQLSTATE 22012"), std::string::npos)
      << failed.status().message();
  // Read to its end: the connection serves the rollback, and nothing of the failed transaction stays.
  ASSERT_TRUE(conn_->healthy());
  ASSERT_TRUE(conn_->Exec("ROLLBACK").ok());
  EXPECT_EQ(Rows("SELECT v FROM piped"), std::vector<std::string>{"41"});
}

TEST_F(ResultsSinkTest, FenceTellsWhetherAnyoneClaimedThePartitionSince) {
  auto never = sink_->Fence(Partition(5));
  ASSERT_TRUE(never.ok()) << never.status().message();
  EXPECT_EQ(*never, 0);
  const int64_t mine = Claim(5);
  EXPECT_EQ(*sink_->Fence(Partition(5)), mine);
  Claim(5);  // another owner
  EXPECT_EQ(*sink_->Fence(Partition(5)), mine + 1);
}

TEST_F(ResultsSinkTest, PublishedLakeBatchesAreDeletedSoAClaimReadsOnlyTheUnpublished) {
  const int64_t fence = Claim(3);
  PartitionCommit c = CommitOf(3, fence, 10);
  c.lake_batches = {"b1", "b2"};
  ASSERT_TRUE(sink_->Commit({c}).ok());
  // b1 and b2 were published since; the next commit records b3.
  c.previous_offset = c.next_offset;
  c.next_offset = Offset(20);
  c.lake_published = true;
  c.lake_batches = {"b3"};
  ASSERT_TRUE(sink_->Commit({c}).ok());
  ASSERT_TRUE(sink_->Commit({c}).ok());  // a retry of an applied commit keeps b3
  auto claim = sink_->Claim(Partition(3));
  ASSERT_TRUE(claim.ok()) << claim.status().message();
  EXPECT_EQ(claim->lake_batches, std::vector<std::string>{"b3"});

  c = CommitOf(3, claim->fence, 20);
  c.previous_offset = Offset(20);  // where the claim found the partition
  c.lake_published = true;
  ASSERT_TRUE(sink_->Commit({c}).ok());
  EXPECT_EQ(Rows("SELECT count(*) FROM lake_batches"), std::vector<std::string>{"0"});
}

TEST_F(ResultsSinkTest, SchemaUpgradeKeepsOnlyBatchesOfEachPartitionsLatestRecordingCommit) {
  ASSERT_TRUE(conn_
                  ->Exec("INSERT INTO lake_batches (kafka_partition, next_offset, batch) VALUES "
                         "(0, 10, 'a'), (0, 20, 'b'), (0, 30, 'c'), (0, 30, 'd'), (1, 5, 'e')")
                  .ok());
  for (int run = 0; run < 2; ++run) {
    ApplySchema(Services().pg.dbname);
    EXPECT_EQ(Rows("SELECT kafka_partition, batch FROM lake_batches ORDER BY 1, 2"),
              (std::vector<std::string>{"0|c", "0|d", "1|e"}));
  }
}

// A database from when user_sessions was a table: the pipeline refuses it until the schema is applied,
// which replaces the table by the view (the history holds its rows), and applying it again changes nothing.
TEST_F(ResultsSinkTest, SchemaUpgradeReplacesTheUserSessionsTableByTheView) {
  pg::ConnectionOptions options = Services().pg;
  options.dbname = "results_sink_upgrade";
  ASSERT_TRUE(conn_->Exec("DROP DATABASE IF EXISTS " + options.dbname).ok());
  ASSERT_TRUE(conn_->Exec("CREATE DATABASE " + options.dbname).ok());
  ApplySchema(options.dbname);
  {
    auto old = pg::Connection::Open(options);
    ASSERT_TRUE(old.ok()) << old.status().message();
    const Status st = old->Exec(R"sql(
DROP VIEW user_sessions;
CREATE TABLE user_sessions (
    user_id text COLLATE "C" PRIMARY KEY, session_start_time timestamptz NOT NULL,
    session_end_time timestamptz NOT NULL, session_duration_seconds double precision NOT NULL,
    event_count bigint NOT NULL DEFAULT 0, page_view_count bigint NOT NULL DEFAULT 0,
    is_final boolean NOT NULL DEFAULT false, updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX user_sessions_by_end ON user_sessions (session_end_time DESC);
INSERT INTO session_history (user_id, session_start_time, session_end_time, session_duration_seconds,
                             event_count, page_view_count, is_final) VALUES
    ('u1', '2026-03-01 10:00Z', '2026-03-01 10:05Z', 300, 2, 1, true),
    ('u1', '2026-03-01 10:30Z', '2026-03-01 10:31Z', 60, 2, 1, false),
    ('u2', '2026-03-01 10:00Z', '2026-03-01 10:00Z', 0, 1, 1, false);
INSERT INTO user_sessions SELECT * FROM session_history WHERE session_start_time <> '2026-03-01 10:00Z'
                                                          OR user_id = 'u2';)sql");
    ASSERT_TRUE(st.ok()) << st.message();
  }
  const Status refused = ResultsSink::Open(options).status();
  EXPECT_EQ(refused.code(), StatusCode::kNotFound);
  EXPECT_NE(refused.message().find("user_sessions"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("-f sql/init-db.sql"), std::string::npos) << refused.message();

  for (int run = 0; run < 2; ++run) {
    ApplySchema(options.dbname);
    auto db = pg::Connection::Open(options);
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto kind = db->Query("SELECT relkind::text FROM pg_class WHERE oid = 'user_sessions'::regclass");
    ASSERT_TRUE(kind.ok()) << kind.status().message();
    EXPECT_EQ(kind->text(0, 0), "v");
    auto rows = db->Query(
        "SELECT user_id || '|' || to_char(session_start_time AT TIME ZONE 'UTC', 'HH24:MI') || '|' || "
        "event_count FROM user_sessions ORDER BY 1");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->rows(), 2);
    EXPECT_EQ(rows->text(0, 0), "u1|10:30|2");
    EXPECT_EQ(rows->text(1, 0), "u2|10:00|1");
  }
  EXPECT_TRUE(ResultsSink::Open(options).ok());
  EXPECT_TRUE(conn_->Exec("DROP DATABASE " + options.dbname + " WITH (FORCE)").ok());
}

TEST_F(ResultsSinkTest, PartialsArePrunedOnceEveryPartitionsWatermarkPassedTheirWindow) {
  ASSERT_TRUE(sink_->RegisterPartitions(2).ok());
  const int64_t f0 = Claim(0), f1 = Claim(1);
  EXPECT_EQ(f0, 1);
  const std::string partials =
      "SELECT (SELECT count(*) FROM page_view_counts_by_partition) + "
      "(SELECT count(*) FROM active_users_by_partition)";
  // Partition 0 is past the window; partition 1 has no watermark yet, and may still add to it.
  Changes p0 = Windows({Views("/a", 3, true)}, {Users(2, true)});
  PartitionCommit c0 = CommitOf(0, f0, 10, &p0);
  c0.watermark = Watermark(T("2026-03-01T10:05:00Z"));
  ASSERT_TRUE(sink_->Commit({c0}).ok());
  EXPECT_EQ(Rows(partials), std::vector<std::string>{"2"});

  // Partition 1 adds to it and passes it too: its partials go, the visible sums stay. A later window
  // stays, partials and all.
  const PageViewCountRow later{T("2026-03-01T10:01:00Z"), T("2026-03-01T10:02:00Z"), "/b", 1, false};
  Changes p1 = Windows({Views("/a", 4, true), later}, {Users(5, true)});
  PartitionCommit c1 = CommitOf(1, f1, 10, &p1);
  c1.watermark = Watermark(T("2026-03-01T10:01:00Z"));
  ASSERT_TRUE(sink_->Commit({c1}).ok());
  EXPECT_EQ(Rows(kViews), (std::vector<std::string>{"/a|7|t", "/b|1|f"}));
  EXPECT_EQ(Rows(kUsers), (std::vector<std::string>{"2026-03-01 09:56:00+00|2026-03-01 10:01:00+00|7|t"}));
  EXPECT_EQ(Rows("SELECT kafka_partition, page_url FROM page_view_counts_by_partition"),
            std::vector<std::string>{"1|/b"});
  EXPECT_EQ(Rows(partials), std::vector<std::string>{"1"});
}

// A commit applied whose acknowledgement was lost is retried as it was: it must not write its partials
// again, since the others' partials of its windows may have been pruned by then (the sums would drop them).
TEST_F(ResultsSinkTest, ARetriedCommitThatWasAppliedChangesNothing) {
  ASSERT_TRUE(sink_->RegisterPartitions(2).ok());
  const int64_t f0 = Claim(0), f1 = Claim(1);
  Changes p0 = Windows({Views("/a", 3, true)}, {Users(2, true)});
  PartitionCommit c0 = CommitOf(0, f0, 10, &p0);
  c0.watermark = Watermark(T("2026-03-01T10:05:00Z"));
  ASSERT_TRUE(sink_->Commit({c0}).ok());
  Changes p1 = Windows({Views("/a", 4, true)}, {Users(5, true)});
  PartitionCommit c1 = CommitOf(1, f1, 20, &p1);
  c1.watermark = Watermark(T("2026-03-01T10:05:00Z"));
  c1.late_events = {
      {Offset(15),
       LateEvent{Event{T("2026-03-01T09:00:00Z"), "u", "/a", EventType::kClick}, Duration::Minutes(65)},
       c1.watermark}};
  ASSERT_TRUE(sink_->Commit({c1}).ok());  // both partitions past the window: its partials are pruned
  ASSERT_TRUE(sink_->Commit({c1}).ok());  // the same commit again, as after a lost acknowledgement
  EXPECT_EQ(Rows(kViews), (std::vector<std::string>{"/a|7|t"}));
  EXPECT_EQ(Rows(kUsers), (std::vector<std::string>{"2026-03-01 09:56:00+00|2026-03-01 10:01:00+00|7|t"}));
  EXPECT_EQ(Rows("SELECT count(*) FROM late_events"), std::vector<std::string>{"1"});
}

TEST_F(ResultsSinkTest, ProgressSnapshotAndLakeBatchesRoundTrip) {
  auto fresh = sink_->Claim(Partition(3));
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  EXPECT_FALSE(fresh->next_offset.has_value());
  EXPECT_FALSE(fresh->watermark.is_set());
  EXPECT_FALSE(fresh->snapshot.has_value());
  EXPECT_TRUE(fresh->lake_batches.empty());

  const std::string state("\0\x01\xff\0snap\0", 9);
  PartitionCommit c = CommitOf(3, fresh->fence, 42);
  c.watermark = Watermark(T("2026-03-01T10:00:00.123456Z"));
  c.snapshot = EngineSnapshot{Offset(40), state};  // where its lake batch ends, before the commit's offset
  c.lake_batches = {"b1"};
  ASSERT_TRUE(sink_->Commit({c}).ok());

  // A later commit without a snapshot keeps the previous one.
  c.next_offset = Offset(50);
  c.snapshot.reset();
  c.lake_batches = {"b2", "b3"};
  ASSERT_TRUE(sink_->Commit({c}).ok());
  ASSERT_TRUE(sink_->Commit({c}).ok());  // a retry records b2 and b3 once

  auto claim = sink_->Claim(Partition(3));
  ASSERT_TRUE(claim.ok()) << claim.status().message();
  EXPECT_EQ(claim->fence, fresh->fence + 1);
  EXPECT_EQ(claim->next_offset, Offset(50));
  EXPECT_EQ(claim->watermark, Watermark(T("2026-03-01T10:00:00.123456Z")));
  ASSERT_TRUE(claim->snapshot.has_value());
  EXPECT_EQ(claim->snapshot->valid_at, Offset(40));
  EXPECT_EQ(claim->snapshot->state, state);
  EXPECT_EQ(claim->lake_batches, (std::vector<std::string>{"b1", "b2", "b3"}));

  // A partition that has accepted no event yet commits its offsets without a watermark.
  PartitionCommit none = CommitOf(4, Claim(4), 7);
  none.watermark = Watermark::None();
  ASSERT_TRUE(sink_->Commit({none}).ok());
  claim = sink_->Claim(Partition(4));
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(claim->next_offset, Offset(7));
  EXPECT_FALSE(claim->watermark.is_set());
}

TEST_F(ResultsSinkTest, ACommitAfterTheServerDroppedTheConnectionSucceedsOnceReconnected) {
  const int64_t fence = Claim(0);
  const Changes changes = Windows({Views("/a", 1, false)});
  ASSERT_TRUE(conn_
                  ->Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                  .ok());
  EXPECT_EQ(sink_->Commit({CommitOf(0, fence, 1, &changes)}).code(), StatusCode::kUnavailable);
  ASSERT_TRUE(sink_->Reconnect().ok());
  ASSERT_TRUE(sink_->Commit({CommitOf(0, fence, 1, &changes)}).ok());
  EXPECT_EQ(Rows(kViews), std::vector<std::string>{"/a|1|f"});
}

// Two processes owning one partition each update the same windows at the same time: every sum must
// include the other's latest partial.
TEST_F(ResultsSinkTest, ConcurrentCommitsOfDifferentPartitionsKeepSumsExact) {
  constexpr int kCommits = 100;
  const auto run = [](int partition, Status* result) {
    auto sink = ResultsSink::Open(Services().pg);
    if (!sink.ok()) {
      *result = sink.status();
      return;
    }
    auto claim = sink->Claim(Partition(partition));
    if (!claim.ok()) {
      *result = claim.status();
      return;
    }
    for (int i = 1; i <= kCommits && result->ok(); ++i) {
      const Changes changes = Windows({Views("/a", i, i == kCommits)}, {Users(i, i == kCommits)});
      *result = sink->Commit({CommitOf(partition, claim->fence, i, &changes)});
    }
  };
  Status st0, st1;
  std::thread t0(run, 0, &st0), t1(run, 1, &st1);
  t0.join();
  t1.join();
  ASSERT_TRUE(st0.ok()) << st0.message();
  ASSERT_TRUE(st1.ok()) << st1.message();
  EXPECT_EQ(Rows(kViews), std::vector<std::string>{"/a|200|t"});
  EXPECT_EQ(Rows(kUsers), (std::vector<std::string>{"2026-03-01 09:56:00+00|2026-03-01 10:01:00+00|200|t"}));
}

TEST_F(ResultsSinkTest, OpenWithoutTheSchemaSaysHowToCreateIt) {
  ASSERT_TRUE(conn_->Exec("DROP DATABASE IF EXISTS results_sink_empty").ok());
  ASSERT_TRUE(conn_->Exec("CREATE DATABASE results_sink_empty").ok());
  pg::ConnectionOptions options = Services().pg;
  options.dbname = "results_sink_empty";
  const Status st = ResultsSink::Open(options).status();
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("-d results_sink_empty -f sql/init-db.sql"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find('\n'), std::string::npos);
  EXPECT_TRUE(conn_->Exec("DROP DATABASE results_sink_empty").ok());
}

// Measures (does not assert) the throughput of a 50k-row commit, first inserting then updating.
TEST_F(ResultsSinkTest, FiftyThousandRowCommit) {
  const int64_t f0 = Claim(0), f1 = Claim(1);
  const EventTime base = T("2026-03-01T00:00:00Z");
  Changes p0, p1;
  std::vector<LateEventRecord> late;
  for (int i = 0; i < 20000; ++i) {
    const EventTime start = base + Duration::Minutes(i % 100);
    const std::string url = "/page/" + std::to_string(i / 100);
    (i % 2 ? p1 : p0).page_view_counts.push_back({start, start + Duration::Minutes(1), url, i, false});
  }
  for (int i = 0; i < 5000; ++i) {
    const EventTime start = base + Duration::Minutes(i);
    (i % 2 ? p1 : p0).active_users.push_back({start, start + Duration::Minutes(5), i, false});
  }
  for (int i = 0; i < 15000; ++i) {
    const SessionRow s{"user-" + std::to_string(i), base, base + Duration::Seconds(i), 3, 2, false};
    Changes& c = i % 2 ? p1 : p0;
    c.sessions.push_back(s);
  }
  for (int i = 0; i < 5000; ++i) {
    late.push_back({Offset(i),
                    {{base, "user", "/late", EventType::kPageView}, Duration::Seconds(1)},
                    Watermark(base + Duration::Seconds(1))});
  }
  PartitionCommit c0 = CommitOf(0, f0, 100000, &p0);
  c0.late_events = late;
  const PartitionCommit c1 = CommitOf(1, f1, 100000, &p1);
  const size_t rows = 20000 + 5000 + 15000 + 5000;

  for (const char* kind : {"new rows", "updates"}) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(sink_->Commit({c0, c1}).ok());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("results_sink: commit of %zu rows (%s) took %.3f s: %.0f rows/s\n", rows, kind, s, rows / s);
  }
  EXPECT_EQ(Rows("SELECT count(*), sum(view_count) FROM page_view_counts"),
            std::vector<std::string>{"20000|199990000"});
  EXPECT_EQ(Rows("SELECT count(*) FROM user_sessions"), std::vector<std::string>{"15000"});
}

}  // namespace
}  // namespace clickstream::testing
