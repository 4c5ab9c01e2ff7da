#include "postgres/results_sink.h"

#include <algorithm>

namespace clickstream::pg {
namespace {

constexpr char kClaim[] = R"sql(
INSERT INTO partition_progress AS p (kafka_partition, fence) VALUES ($1, 1)
ON CONFLICT (kafka_partition) DO UPDATE SET fence = p.fence + 1, updated_at = now()
RETURNING fence, next_offset, watermark)sql";

// Matches no row when another process claimed the partition since: the fence check and the progress
// write are one statement.
// Returns the offset the row held before (the CTE reads the statement's snapshot, taken before the update).
constexpr char kAdvanceProgress[] = R"sql(
WITH before AS (SELECT next_offset FROM partition_progress WHERE kafka_partition = $1)
UPDATE partition_progress SET next_offset = $3, watermark = $4, updated_at = now()
WHERE kafka_partition = $1 AND fence = $2 RETURNING coalesce((SELECT next_offset FROM before), 0))sql";

constexpr char kUpsertSnapshot[] = R"sql(
INSERT INTO engine_snapshots (kafka_partition, next_offset, state) VALUES ($1, $2, $3)
ON CONFLICT (kafka_partition)
DO UPDATE SET next_offset = EXCLUDED.next_offset, state = EXCLUDED.state, updated_at = now())sql";

constexpr char kRegisterPartitions[] = R"sql(
INSERT INTO partition_progress (kafka_partition, fence) SELECT generate_series(0, $1 - 1), 0
ON CONFLICT (kafka_partition) DO NOTHING)sql";

// Run before the commit records its own batches: a retry of an applied commit deletes and records them again.
constexpr char kDeletePublishedLakeBatches[] = "DELETE FROM lake_batches WHERE kafka_partition = $1";

// A retried commit may record the same batch again (see sql/init-db.sql).
constexpr char kInsertLakeBatch[] = R"sql(
INSERT INTO lake_batches (kafka_partition, next_offset, batch) VALUES ($1, $2, $3)
ON CONFLICT (kafka_partition, md5(batch)) DO NOTHING)sql";

// Rows reach PostgreSQL by binary COPY into session-private staging tables, then one INSERT ... SELECT per
// target table: far fewer round trips than a statement per row, and values are never part of SQL text.
constexpr char kCreateStaging[] = R"sql(
CREATE TEMP TABLE IF NOT EXISTS staged_page_view_counts (
    window_start timestamptz, window_end timestamptz, page_url text COLLATE "C", kafka_partition integer,
    view_count bigint, is_final boolean) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staged_active_users (
    window_start timestamptz, window_end timestamptz, kafka_partition integer,
    active_user_count bigint, is_final boolean) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staged_sessions (
    user_id text COLLATE "C", session_start_time timestamptz, session_end_time timestamptz,
    event_count bigint, page_view_count bigint, is_final boolean) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staged_removed_sessions (
    user_id text COLLATE "C", session_start_time timestamptz) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staged_late_events (
    kafka_partition integer, kafka_offset bigint, event_time timestamptz, user_id text COLLATE "C",
    page_url text COLLATE "C", event_type text, lateness_seconds double precision, watermark timestamptz)
    ON COMMIT DELETE ROWS;
)sql";

constexpr char kUpsertPageViewPartials[] = R"sql(
INSERT INTO page_view_counts_by_partition (window_start, window_end, page_url, kafka_partition, view_count,
                                           is_final)
SELECT window_start, window_end, page_url, kafka_partition, view_count, is_final FROM staged_page_view_counts
ON CONFLICT (window_start, window_end, page_url, kafka_partition)
DO UPDATE SET view_count = EXCLUDED.view_count, is_final = EXCLUDED.is_final;
)sql";

constexpr char kUpsertActiveUserPartials[] = R"sql(
INSERT INTO active_users_by_partition (window_start, window_end, kafka_partition, active_user_count, is_final)
SELECT window_start, window_end, kafka_partition, active_user_count, is_final FROM staged_active_users
ON CONFLICT (window_start, window_end, kafka_partition)
DO UPDATE SET active_user_count = EXCLUDED.active_user_count, is_final = EXCLUDED.is_final;
)sql";

// SPEC.md section 3: a window is final once final in every partition that contributed.
constexpr char kSumPageViews[] = R"sql(
INSERT INTO page_view_counts (window_start, window_end, page_url, view_count, is_final, updated_at)
SELECT p.window_start, p.window_end, p.page_url, sum(p.view_count)::bigint, bool_and(p.is_final), now()
FROM page_view_counts_by_partition p
WHERE (p.window_start, p.window_end, p.page_url) IN
      (SELECT window_start, window_end, page_url FROM staged_page_view_counts)
GROUP BY p.window_start, p.window_end, p.page_url
ON CONFLICT (window_start, window_end, page_url)
DO UPDATE SET view_count = EXCLUDED.view_count, is_final = EXCLUDED.is_final, updated_at = EXCLUDED.updated_at;
)sql";

constexpr char kSumActiveUsers[] = R"sql(
INSERT INTO active_users (window_start, window_end, active_user_count, is_final, updated_at)
SELECT p.window_start, p.window_end, sum(p.active_user_count)::bigint, bool_and(p.is_final), now()
FROM active_users_by_partition p
WHERE (p.window_start, p.window_end) IN (SELECT window_start, window_end FROM staged_active_users)
GROUP BY p.window_start, p.window_end
ON CONFLICT (window_start, window_end)
DO UPDATE SET active_user_count = EXCLUDED.active_user_count, is_final = EXCLUDED.is_final,
              updated_at = EXCLUDED.updated_at;
)sql";

// Per-partition rows of windows that end at or before every partition's watermark (none while a partition
// has no watermark): every partition treats an event of such a window as late, so no partial and no sum
// changes again. The window_start bound lets the primary key's index find them.
std::string PrunePartials(const char* table) {
  return std::string(
             "WITH horizon AS (SELECT CASE WHEN bool_and(watermark IS NOT NULL) THEN min(watermark) END "
             "AS w FROM partition_progress) DELETE FROM ") +
         table + " WHERE window_start < (SELECT w FROM horizon) AND window_end <= (SELECT w FROM horizon);\n";
}

// Serialises the recomputation of visible sums across processes (see the header). Any constant unlikely
// to be used by another application of the database.
constexpr char kLockSums[] = "SELECT pg_advisory_xact_lock(7240581937716352901)";

constexpr char kDeleteRemovedSessions[] = R"sql(
DELETE FROM session_history h USING staged_removed_sessions r
WHERE h.user_id = r.user_id AND h.session_start_time = r.session_start_time;
)sql";

// DISTINCT ON: a user whose records were keyed to two partitions (SPEC.md section 6) may arrive twice in
// one commit, and an upsert may not touch a row twice.
constexpr char kUpsertSessions[] = R"sql(
INSERT INTO session_history (user_id, session_start_time, session_end_time, session_duration_seconds,
                             event_count, page_view_count, is_final, updated_at)
SELECT DISTINCT ON (user_id, session_start_time)
       user_id, session_start_time, session_end_time,
       extract(epoch FROM session_end_time - session_start_time)::double precision,
       event_count, page_view_count, is_final, now()
FROM staged_sessions ORDER BY user_id, session_start_time, session_end_time DESC
ON CONFLICT (user_id, session_start_time)
DO UPDATE SET session_end_time = EXCLUDED.session_end_time,
              session_duration_seconds = EXCLUDED.session_duration_seconds,
              event_count = EXCLUDED.event_count, page_view_count = EXCLUDED.page_view_count,
              is_final = EXCLUDED.is_final, updated_at = EXCLUDED.updated_at;
)sql";

constexpr char kInsertLateEvents[] = R"sql(
INSERT INTO late_events (kafka_partition, kafka_offset, event_time, user_id, page_url, event_type,
                         lateness_seconds, watermark)
SELECT * FROM staged_late_events
ON CONFLICT (kafka_partition, kafka_offset) DO NOTHING;
)sql";

// Rows staged for one commit, one CopyRows per staging table.
struct Staged {
  CopyRows page_view_counts, active_users, sessions, removed_sessions, late_events;
  bool final_windows = false;  // a window became final in a partition: older partials may be prunable
};

void Stage(const PartitionCommit& c, Staged* st) {
  const int32_t partition = c.partition.id();
  for (const LateEventRecord& r : c.late_events) {
    const Event& e = r.late.event;
    st->late_events.BeginRow(8);
    st->late_events.Int4(partition);
    st->late_events.Int8(r.offset.value());
    st->late_events.Timestamptz(e.event_time);
    st->late_events.Text(e.user_id);
    st->late_events.Text(e.page_url);
    st->late_events.Text(EventTypeName(e.event_type));
    st->late_events.Float8(static_cast<double>(r.late.lateness.micros()) / 1e6);
    st->late_events.Timestamptz(r.watermark.time());
  }
  if (c.changes == nullptr) return;
  for (const PageViewCountRow& r : c.changes->page_view_counts) {
    st->page_view_counts.BeginRow(6);
    st->page_view_counts.Timestamptz(r.window_start);
    st->page_view_counts.Timestamptz(r.window_end);
    st->page_view_counts.Text(r.page_url);
    st->page_view_counts.Int4(partition);
    st->page_view_counts.Int8(r.view_count);
    st->page_view_counts.Bool(r.is_final);
    st->final_windows |= r.is_final;
  }
  for (const ActiveUsersRow& r : c.changes->active_users) {
    st->active_users.BeginRow(5);
    st->active_users.Timestamptz(r.window_start);
    st->active_users.Timestamptz(r.window_end);
    st->active_users.Int4(partition);
    st->active_users.Int8(r.active_user_count);
    st->active_users.Bool(r.is_final);
    st->final_windows |= r.is_final;
  }
  // user_sessions is a view of the latest of them: changes->latest_sessions need no row of their own.
  for (const SessionRow& s : c.changes->sessions) {
    st->sessions.BeginRow(6);
    st->sessions.Text(s.user_id);
    st->sessions.Timestamptz(s.session_start_time);
    st->sessions.Timestamptz(s.session_end_time);
    st->sessions.Int8(s.event_count);
    st->sessions.Int8(s.page_view_count);
    st->sessions.Bool(s.is_final);
  }
  for (const SessionKey& k : c.changes->removed_sessions) {
    st->removed_sessions.BeginRow(2);
    st->removed_sessions.Text(k.user_id);
    st->removed_sessions.Timestamptz(k.session_start_time);
  }
}

Param WatermarkParam(Watermark w) {
  return Param::Timestamptz(w.is_set() ? std::optional(w.time()) : std::nullopt);
}

}  // namespace

Result<ResultsSink> ResultsSink::Open(const ConnectionOptions& options) {
  CS_ASSIGN_OR_RETURN(Connection conn, Connection::Open(options));
  CS_ASSIGN_OR_RETURN(QueryResult missing, conn.Query(R"sql(
SELECT 'table ' || t FROM unnest(ARRAY['page_view_counts', 'active_users', 'user_sessions', 'session_history',
                           'late_events', 'partition_progress', 'page_view_counts_by_partition',
                           'active_users_by_partition', 'engine_snapshots', 'lake_batches']) t
WHERE to_regclass(t) IS NULL
UNION ALL
-- A schema from before user_sessions became a view: the pipeline would leave that table behind.
SELECT 'view user_sessions (it is the table of an older schema)' FROM pg_class
WHERE oid = to_regclass('user_sessions') AND relkind = 'r')sql"));
  if (missing.rows() > 0) {
    return Status::NotFound("PostgreSQL database " + options.dbname + " has no " +
                            std::string(missing.text(0, 0)) + ": apply the schema with `psql -h " +
                            options.host + " -p " + std::to_string(options.port) + " -U " + options.user +
                            " -d " + options.dbname +
                            " -f sql/init-db.sql` (make services does it for the local server)");
  }
  ResultsSink sink(options, std::move(conn));
  CS_RETURN_NOT_OK(sink.Prepare());
  return sink;
}

Status ResultsSink::Prepare() { return conn_.Exec(kCreateStaging); }

Status ResultsSink::Reconnect() {
  CS_ASSIGN_OR_RETURN(conn_, Connection::Open(options_));
  return Prepare();
}

Status ResultsSink::RegisterPartitions(int32_t count) {
  return conn_.QueryBinary(kRegisterPartitions, {Param::Int4(count)}).status();
}

Status ResultsSink::EnsureConnected() { return conn_.healthy() ? Status::OK() : Reconnect(); }

Result<PartitionClaim> ResultsSink::Claim(Partition partition) {
  CS_RETURN_NOT_OK(EnsureConnected());
  const std::vector<Param> key = {Param::Int4(partition.id())};
  CS_ASSIGN_OR_RETURN(QueryResult progress, conn_.QueryBinary(kClaim, key));
  PartitionClaim claim;
  claim.fence = progress.int8(0, 0);
  if (!progress.is_null(0, 1)) claim.next_offset = Offset(progress.int8(0, 1));
  if (!progress.is_null(0, 2)) claim.watermark = Watermark(progress.timestamptz(0, 2));

  CS_ASSIGN_OR_RETURN(
      QueryResult snapshot,
      conn_.QueryBinary("SELECT next_offset, state FROM engine_snapshots WHERE kafka_partition = $1", key));
  if (snapshot.rows() == 1) {
    claim.snapshot.emplace(Offset(snapshot.int8(0, 0)), std::string(snapshot.text(0, 1)));
  }

  CS_ASSIGN_OR_RETURN(
      QueryResult batches,
      conn_.QueryBinary("SELECT batch FROM lake_batches WHERE kafka_partition = $1 ORDER BY batch_id", key));
  for (int i = 0; i < batches.rows(); ++i) claim.lake_batches.emplace_back(batches.text(i, 0));
  return claim;
}

Result<int64_t> ResultsSink::Fence(Partition partition) {
  CS_RETURN_NOT_OK(EnsureConnected());
  CS_ASSIGN_OR_RETURN(QueryResult fence,
                      conn_.QueryBinary("SELECT fence FROM partition_progress WHERE kafka_partition = $1",
                                        {Param::Int4(partition.id())}));
  return fence.rows() == 1 ? fence.int8(0, 0) : int64_t{0};
}

Status ResultsSink::Commit(const std::vector<PartitionCommit>& commits, std::vector<Partition>* fenced) {
  if (fenced != nullptr) fenced->clear();
  if (commits.empty()) return Status::OK();
  CS_RETURN_NOT_OK(EnsureConnected());
  CS_RETURN_NOT_OK(conn_.Exec("BEGIN"));
  Status st = CommitInTransaction(commits, fenced);
  if (st.ok()) return conn_.Exec("COMMIT");
  (void)conn_.Exec("ROLLBACK");  // best effort: a broken connection has no transaction left anyway
  return st;
}

Status ResultsSink::CommitInTransaction(const std::vector<PartitionCommit>& commits,
                                        std::vector<Partition>* fenced) {
  // Progress rows first, in partition order: they lock the partitions (a concurrent Claim waits for this
  // commit) and two processes lock them in the same order, so they cannot deadlock.
  std::vector<const PartitionCommit*> ordered;
  for (const PartitionCommit& c : commits) ordered.push_back(&c);
  std::sort(ordered.begin(), ordered.end(),
            [](const PartitionCommit* a, const PartitionCommit* b) { return a->partition < b->partition; });
  // Every partition is checked, so that one retry without the fenced ones suffices.
  std::string stale;
  std::vector<const PartitionCommit*> to_apply;
  for (const PartitionCommit* c : ordered) {
    CS_ASSIGN_OR_RETURN(
        QueryResult updated,
        conn_.QueryBinary(kAdvanceProgress,
                          {Param::Int4(c->partition.id()), Param::Int8(c->fence),
                           Param::Int8(c->next_offset.value()), WatermarkParam(c->watermark)}));
    if (updated.rows() == 1) {
      // Applied already (a lost acknowledgement): its partials may have been pruned since, so writing
      // them again would leave sums of this partition alone.
      const bool applied =
          c->next_offset != c->previous_offset && updated.int8(0, 0) == c->next_offset.value();
      if (!applied) to_apply.push_back(c);
      continue;
    }
    if (fenced != nullptr) fenced->push_back(c->partition);
    stale += (stale.empty() ? "partition " : ", partition ") + std::to_string(c->partition.id()) +
             " (fence " + std::to_string(c->fence) + ")";
  }
  if (!stale.empty()) {
    return Status::Fenced(
        stale + ": not the current fence (another process claimed the partition); nothing committed");
  }

  Staged staged;
  for (const PartitionCommit* c : to_apply) Stage(*c, &staged);
  std::string sql;
  const auto copy = [&](const char* table, const CopyRows& rows, const char* statement) -> Status {
    if (rows.rows() == 0) return Status::OK();
    sql += statement;
    return conn_.CopyIn(std::string("COPY ") + table + " FROM STDIN (FORMAT binary)", rows);
  };
  CS_RETURN_NOT_OK(copy("staged_page_view_counts", staged.page_view_counts, kUpsertPageViewPartials));
  CS_RETURN_NOT_OK(copy("staged_active_users", staged.active_users, kUpsertActiveUserPartials));
  CS_RETURN_NOT_OK(copy("staged_removed_sessions", staged.removed_sessions, kDeleteRemovedSessions));
  CS_RETURN_NOT_OK(copy("staged_sessions", staged.sessions, kUpsertSessions));
  CS_RETURN_NOT_OK(copy("staged_late_events", staged.late_events, kInsertLateEvents));
  if (!sql.empty()) CS_RETURN_NOT_OK(conn_.Exec(sql));

  for (const PartitionCommit* applying : to_apply) {
    const PartitionCommit& c = *applying;
    const Param partition = Param::Int4(c.partition.id()), offset = Param::Int8(c.next_offset.value());
    if (c.snapshot) {
      CS_RETURN_NOT_OK(conn_
                           .QueryBinary(kUpsertSnapshot, {partition, Param::Int8(c.snapshot->first.value()),
                                                          Param::Bytea(c.snapshot->second)})
                           .status());
    }
    if (c.lake_published)
      CS_RETURN_NOT_OK(conn_.QueryBinary(kDeletePublishedLakeBatches, {partition}).status());
    for (const std::string& batch : c.lake_batches) {
      CS_RETURN_NOT_OK(conn_.QueryBinary(kInsertLakeBatch, {partition, offset, Param::Text(batch)}).status());
    }
  }

  // Last, so the lock is held only for the sums and COMMIT: a sum computed after taking it sees the
  // partials of every transaction that took it before.
  const bool pages = staged.page_view_counts.rows() > 0, users = staged.active_users.rows() > 0;
  if (!pages && !users) return Status::OK();
  CS_RETURN_NOT_OK(conn_.Exec(kLockSums));
  // Pruning after the sums, which must count this commit's final partials.
  return conn_.Exec(std::string(pages ? kSumPageViews : "") + (users ? kSumActiveUsers : "") +
                    (staged.final_windows ? PrunePartials("page_view_counts_by_partition") +
                                                PrunePartials("active_users_by_partition")
                                          : ""));
}

}  // namespace clickstream::pg
