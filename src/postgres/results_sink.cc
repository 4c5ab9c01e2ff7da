#include "postgres/results_sink.h"

#include <algorithm>

#include "postgres/watermark_horizon.h"

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

// analytics_settings' columns hold intervals; their parameters are microseconds. $6: replace the settings
// recorded (else keep them). Replaced in place, not deleted and inserted: a process waiting for the row's
// lock (kRecordedSettings) then reads the new settings.
constexpr char kRecordSettings[] = R"sql(
INSERT INTO analytics_settings (page_view_window, active_users_window, active_users_slide, session_gap,
                                watermark_delay)
VALUES ($1::float8 * interval '1 microsecond', $2::float8 * interval '1 microsecond',
        $3::float8 * interval '1 microsecond', $4::float8 * interval '1 microsecond',
        $5::float8 * interval '1 microsecond')
ON CONFLICT (id) DO UPDATE SET page_view_window = EXCLUDED.page_view_window,
    active_users_window = EXCLUDED.active_users_window, active_users_slide = EXCLUDED.active_users_slide,
    session_gap = EXCLUDED.session_gap, watermark_delay = EXCLUDED.watermark_delay, recorded_at = now()
WHERE $6::boolean)sql";
constexpr char kRecordedSettings[] = R"sql(
SELECT (extract(epoch FROM page_view_window) * 1000000)::bigint,
       (extract(epoch FROM active_users_window) * 1000000)::bigint,
       (extract(epoch FROM active_users_slide) * 1000000)::bigint,
       (extract(epoch FROM session_gap) * 1000000)::bigint,
       (extract(epoch FROM watermark_delay) * 1000000)::bigint
FROM analytics_settings FOR UPDATE)sql";
// Everything computed with the settings. The lake's recorded batches go with the engine snapshots taken
// where they end: a claim then finds the lake with nothing recorded (its hidden files are deleted) and the
// engine with no state, and every partition is read again from its earliest offset into the results and
// the lake (the enriched topic keeps its own progress and skips what it has).
constexpr char kResetResults[] = R"sql(
TRUNCATE page_view_counts, active_users, session_history, late_events, page_view_counts_by_partition,
         active_users_by_partition, engine_snapshots, lake_batches;
UPDATE partition_progress SET next_offset = NULL, watermark = NULL, fence = fence + 1, updated_at = now())sql";

// Run before the commit records its own batches: a retry of an applied commit deletes and records them again.
constexpr char kDeletePublishedLakeBatches[] = "DELETE FROM lake_batches WHERE kafka_partition = $1";

// A retried commit may record the same batch again (see sql/init-db.sql).
constexpr char kInsertLakeBatch[] = R"sql(
INSERT INTO lake_batches (kafka_partition, next_offset, batch) VALUES ($1, $2, $3)
ON CONFLICT (kafka_partition, md5(batch)) DO NOTHING)sql";

// Rows reach PostgreSQL as binary array parameters, one per column, unnested by one INSERT ... SELECT per
// target table: a few round trips per commit, values never part of SQL text, and no staging table that
// every commit would have to empty (ON COMMIT DELETE ROWS truncates at each COMMIT, a file operation).
constexpr char kUpsertPageViewPartials[] = R"sql(
INSERT INTO page_view_counts_by_partition (window_start, window_end, page_url, kafka_partition, view_count,
                                           is_final)
SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[], $4::integer[], $5::bigint[],
                     $6::boolean[])
ON CONFLICT (window_start, window_end, page_url, kafka_partition)
DO UPDATE SET view_count = EXCLUDED.view_count, is_final = EXCLUDED.is_final)sql";

constexpr char kUpsertActiveUserPartials[] = R"sql(
INSERT INTO active_users_by_partition (window_start, window_end, kafka_partition, active_user_count, is_final)
SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::integer[], $4::bigint[], $5::boolean[])
ON CONFLICT (window_start, window_end, kafka_partition)
DO UPDATE SET active_user_count = EXCLUDED.active_user_count, is_final = EXCLUDED.is_final)sql";

// SPEC.md section 3: a window is final once final in every partition that contributed.
constexpr char kSumPageViews[] = R"sql(
INSERT INTO page_view_counts (window_start, window_end, page_url, view_count, is_final, updated_at)
SELECT p.window_start, p.window_end, p.page_url, sum(p.view_count)::bigint, bool_and(p.is_final), now()
FROM page_view_counts_by_partition p
WHERE (p.window_start, p.window_end, p.page_url) IN
      (SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[]))
GROUP BY p.window_start, p.window_end, p.page_url
ON CONFLICT (window_start, window_end, page_url)
DO UPDATE SET view_count = EXCLUDED.view_count, is_final = EXCLUDED.is_final, updated_at = EXCLUDED.updated_at)sql";

constexpr char kSumActiveUsers[] = R"sql(
INSERT INTO active_users (window_start, window_end, active_user_count, is_final, updated_at)
SELECT p.window_start, p.window_end, sum(p.active_user_count)::bigint, bool_and(p.is_final), now()
FROM active_users_by_partition p
WHERE (p.window_start, p.window_end) IN (SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[]))
GROUP BY p.window_start, p.window_end
ON CONFLICT (window_start, window_end)
DO UPDATE SET active_user_count = EXCLUDED.active_user_count, is_final = EXCLUDED.is_final,
              updated_at = EXCLUDED.updated_at)sql";

// Per-partition rows of windows that end at or before every partition's watermark (none while a partition
// has no watermark): every partition treats an event of such a window as late, so no partial and no sum
// changes again. The window_start bound lets the primary key's index find them.
std::string PrunePartials(const char* table) {
  return std::string("WITH horizon(w) AS (") + kWatermarkHorizonSql + ") DELETE FROM " + table +
         " WHERE window_start < (SELECT w FROM horizon) AND window_end <= (SELECT w FROM horizon)";
}

// Serialises the recomputation of visible sums across processes (see the header). Any constant unlikely
// to be used by another application of the database.
constexpr char kLockSums[] = "SELECT pg_advisory_xact_lock(7240581937716352901)";

constexpr char kDeleteRemovedSessions[] = R"sql(
DELETE FROM session_history h USING unnest($1::text[], $2::timestamptz[]) AS r(user_id, session_start_time)
WHERE h.user_id = r.user_id AND h.session_start_time = r.session_start_time)sql";

// DISTINCT ON: a user whose records were keyed to two partitions (SPEC.md section 6) may arrive twice in
// one commit, and an upsert may not touch a row twice. The ids sort as the table's key compares them
// (COLLATE "C": bytes, not the database's locale).
constexpr char kUpsertSessions[] = R"sql(
INSERT INTO session_history (user_id, session_start_time, session_end_time, session_duration_seconds,
                             event_count, page_view_count, is_final, updated_at)
SELECT DISTINCT ON (user_id COLLATE "C", session_start_time)
       user_id, session_start_time, session_end_time,
       extract(epoch FROM session_end_time - session_start_time)::double precision,
       event_count, page_view_count, is_final, now()
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::bigint[], $5::bigint[], $6::boolean[])
     AS s(user_id, session_start_time, session_end_time, event_count, page_view_count, is_final)
ORDER BY user_id COLLATE "C", session_start_time, session_end_time DESC
ON CONFLICT (user_id, session_start_time)
DO UPDATE SET session_end_time = EXCLUDED.session_end_time,
              session_duration_seconds = EXCLUDED.session_duration_seconds,
              event_count = EXCLUDED.event_count, page_view_count = EXCLUDED.page_view_count,
              is_final = EXCLUDED.is_final, updated_at = EXCLUDED.updated_at)sql";

constexpr char kInsertLateEvents[] = R"sql(
INSERT INTO late_events (kafka_partition, kafka_offset, event_time, user_id, page_url, event_type,
                         lateness_seconds, watermark)
SELECT * FROM unnest($1::integer[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                     $7::double precision[], $8::timestamptz[])
ON CONFLICT (kafka_partition, kafka_offset) DO NOTHING)sql";

// One commit's rows, column by column in the order of their statement's unnest.
struct Staged {
  using E = ArrayParam::Element;
  struct {
    ArrayParam window_start{E::kTimestamptz}, window_end{E::kTimestamptz}, page_url{E::kText},
        partition{E::kInt4}, view_count{E::kInt8}, is_final{E::kBool};
  } page_views;
  struct {
    ArrayParam window_start{E::kTimestamptz}, window_end{E::kTimestamptz}, partition{E::kInt4},
        active_user_count{E::kInt8}, is_final{E::kBool};
  } active_users;
  struct {
    ArrayParam user_id{E::kText}, session_start_time{E::kTimestamptz}, session_end_time{E::kTimestamptz},
        event_count{E::kInt8}, page_view_count{E::kInt8}, is_final{E::kBool};
  } sessions;
  struct {
    ArrayParam user_id{E::kText}, session_start_time{E::kTimestamptz};
  } removed_sessions;
  struct {
    ArrayParam partition{E::kInt4}, offset{E::kInt8}, event_time{E::kTimestamptz}, user_id{E::kText},
        page_url{E::kText}, event_type{E::kText}, lateness_seconds{E::kFloat8}, watermark{E::kTimestamptz};
  } late_events;
  bool final_windows = false;  // a window became final in a partition: older partials may be prunable
};

void Stage(const PartitionCommit& c, Staged* st) {
  const int32_t partition = c.partition.id();
  auto& late = st->late_events;
  for (const LateEventRecord& r : c.late_events) {
    const Event& e = r.late.event;
    late.partition.AppendInt4(partition);
    late.offset.AppendInt8(r.offset.value());
    late.event_time.AppendTimestamptz(e.event_time);
    late.user_id.AppendText(e.user_id);
    late.page_url.AppendText(e.page_url);
    late.event_type.AppendText(EventTypeName(e.event_type));
    late.lateness_seconds.AppendFloat8(static_cast<double>(r.late.lateness.micros()) / 1e6);
    late.watermark.AppendTimestamptz(r.watermark.time());
  }
  if (c.changes == nullptr) return;
  auto& pages = st->page_views;
  for (const PageViewCountRow& r : c.changes->page_view_counts) {
    pages.window_start.AppendTimestamptz(r.window_start);
    pages.window_end.AppendTimestamptz(r.window_end);
    pages.page_url.AppendText(r.page_url);
    pages.partition.AppendInt4(partition);
    pages.view_count.AppendInt8(r.view_count);
    pages.is_final.AppendBool(r.is_final);
    st->final_windows |= r.is_final;
  }
  auto& users = st->active_users;
  for (const ActiveUsersRow& r : c.changes->active_users) {
    users.window_start.AppendTimestamptz(r.window_start);
    users.window_end.AppendTimestamptz(r.window_end);
    users.partition.AppendInt4(partition);
    users.active_user_count.AppendInt8(r.active_user_count);
    users.is_final.AppendBool(r.is_final);
    st->final_windows |= r.is_final;
  }
  // user_sessions is a view of the latest of them.
  auto& sessions = st->sessions;
  for (const SessionRow& r : c.changes->sessions) {
    sessions.user_id.AppendText(r.user_id);
    sessions.session_start_time.AppendTimestamptz(r.session_start_time);
    sessions.session_end_time.AppendTimestamptz(r.session_end_time);
    sessions.event_count.AppendInt8(r.event_count);
    sessions.page_view_count.AppendInt8(r.page_view_count);
    sessions.is_final.AppendBool(r.is_final);
  }
  for (const SessionKey& k : c.changes->removed_sessions) {
    st->removed_sessions.user_id.AppendText(k.user_id);
    st->removed_sessions.session_start_time.AppendTimestamptz(k.session_start_time);
  }
}

// The settings in analytics_settings' column order.
std::vector<Duration*> SettingsColumns(EngineOptions* o) {
  return {&o->page_view_window, &o->active_users_window, &o->active_users_slide, &o->session_gap,
          &o->allowed_lateness};
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
                           'active_users_by_partition', 'engine_snapshots', 'lake_batches',
                           'analytics_settings']) t
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
  return ResultsSink(options, std::move(conn));
}

Result<bool> ResultsSink::AdoptSettings(const EngineOptions& settings, bool reset) {
  const auto record = [&](bool replace) {
    std::vector<Param> values;
    EngineOptions given = settings;
    for (const Duration* d : SettingsColumns(&given)) values.push_back(Param::Int8(d->micros()));
    values.push_back(Param::Bool(replace));
    return conn_.QueryBinary(kRecordSettings, values).status();
  };
  CS_RETURN_NOT_OK(record(false));
  CS_RETURN_NOT_OK(conn_.Exec("BEGIN"));
  const auto adopt = [&]() -> Result<bool> {
    CS_ASSIGN_OR_RETURN(QueryResult row, conn_.QueryBinary(kRecordedSettings, {}));
    if (row.rows() != 1) {
      return Status::Internal("analytics_settings holds " + std::to_string(row.rows()) + " rows");
    }
    EngineOptions recorded;
    int column = 0;
    for (Duration* d : SettingsColumns(&recorded)) *d = Duration::Micros(row.int8(0, column++));
    if (recorded == settings) return false;
    if (!reset) {
      return Status::InvalidArgument(
          "the database's results were computed with " + recorded.ToString() + ", not with " +
          settings.ToString() +
          ": run with those settings, use a new database (--db-name), or pass --reset-results to delete "
          "the results and compute them anew from the earliest input in Kafka");
    }
    CS_RETURN_NOT_OK(conn_.Exec(kResetResults));
    CS_RETURN_NOT_OK(record(true));
    return true;
  };
  Result<bool> adopted = adopt();
  const Status ended = conn_.Exec(adopted.ok() ? "COMMIT" : "ROLLBACK");
  if (adopted.ok() && !ended.ok()) return ended;
  return adopted;
}

Status ResultsSink::Reconnect() {
  CS_ASSIGN_OR_RETURN(conn_, Connection::Open(options_));
  return Status::OK();
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
    claim.snapshot = EngineSnapshot{Offset(snapshot.int8(0, 0)), std::string(snapshot.text(0, 1))};
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

Status ResultsSink::Commit(const std::vector<PartitionCommit>& commits, std::vector<Partition>* fenced,
                           const BeforeCommit& before_commit) {
  std::vector<const PartitionCommit*> pointers;
  pointers.reserve(commits.size());
  for (const PartitionCommit& c : commits) pointers.push_back(&c);
  return Commit(pointers, fenced, before_commit);
}

Status ResultsSink::Commit(const std::vector<const PartitionCommit*>& commits, std::vector<Partition>* fenced,
                           const BeforeCommit& before_commit) {
  if (fenced != nullptr) fenced->clear();
  if (commits.empty()) return Status::OK();
  CS_RETURN_NOT_OK(EnsureConnected());
  Status st = BeginAndWrite(commits, fenced);
  if (st.ok() && before_commit) st = LeaveOut(commits, before_commit(), fenced);
  if (st.ok()) return conn_.Exec("COMMIT");
  (void)conn_.Exec("ROLLBACK");  // best effort: a broken connection has no transaction left anyway
  return st;
}

Status ResultsSink::LeaveOut(const std::vector<const PartitionCommit*>& commits,
                             const std::vector<Partition>& left_out, std::vector<Partition>* fenced) {
  std::string named;
  for (const PartitionCommit* c : commits) {
    if (std::find(left_out.begin(), left_out.end(), c->partition) == left_out.end()) continue;
    if (fenced != nullptr) fenced->push_back(c->partition);
    named += (named.empty() ? "partition " : ", partition ") + std::to_string(c->partition.id());
  }
  if (named.empty()) return Status::OK();
  return Status::Fenced(named + ": left out before COMMIT; nothing committed");
}

Status ResultsSink::BeginAndWrite(const std::vector<const PartitionCommit*>& commits,
                                  std::vector<Partition>* fenced) {
  // Two round trips (pipelines) whatever the number of statements: a round trip per statement would make
  // this transaction take longer than the Kafka transactions it runs beside (docs/benchmarks.md).
  // Progress rows first, in partition order: they lock the partitions (a concurrent Claim waits for this
  // commit) and two processes lock them in the same order, so they cannot deadlock.
  std::vector<const PartitionCommit*> ordered = commits;
  std::sort(ordered.begin(), ordered.end(),
            [](const PartitionCommit* a, const PartitionCommit* b) { return a->partition < b->partition; });
  std::vector<Statement> progress = {{"BEGIN", {}}};
  for (const PartitionCommit* c : ordered) {
    progress.push_back({kAdvanceProgress,
                        {Param::Int4(c->partition.id()), Param::Int8(c->fence),
                         Param::Int8(c->next_offset.value()), WatermarkParam(c->watermark)}});
  }
  CS_ASSIGN_OR_RETURN(std::vector<QueryResult> advanced, conn_.Pipeline(progress));
  // Every partition is checked, so that one retry without the fenced ones suffices.
  std::string stale;
  std::vector<const PartitionCommit*> to_apply;
  for (size_t i = 0; i < ordered.size(); ++i) {
    const PartitionCommit* c = ordered[i];
    const QueryResult& updated = advanced[i + 1];
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
  std::vector<Statement> writes;
  // Each statement runs only when it has rows.
  const auto add = [&](const char* sql, const std::vector<const ArrayParam*>& columns) {
    if (columns.front()->size() == 0) return;
    Statement& s = writes.emplace_back(Statement{sql, {}});
    s.params.reserve(columns.size());
    for (const ArrayParam* column : columns) s.params.push_back(column->ToParam());
  };
  const auto& pages = staged.page_views;
  const auto& users = staged.active_users;
  const auto& sessions = staged.sessions;
  const auto& removed = staged.removed_sessions;
  const auto& late = staged.late_events;
  add(kUpsertPageViewPartials, {&pages.window_start, &pages.window_end, &pages.page_url, &pages.partition,
                                &pages.view_count, &pages.is_final});
  add(kUpsertActiveUserPartials,
      {&users.window_start, &users.window_end, &users.partition, &users.active_user_count, &users.is_final});
  add(kDeleteRemovedSessions, {&removed.user_id, &removed.session_start_time});
  add(kUpsertSessions, {&sessions.user_id, &sessions.session_start_time, &sessions.session_end_time,
                        &sessions.event_count, &sessions.page_view_count, &sessions.is_final});
  add(kInsertLateEvents, {&late.partition, &late.offset, &late.event_time, &late.user_id, &late.page_url,
                          &late.event_type, &late.lateness_seconds, &late.watermark});

  for (const PartitionCommit* applying : to_apply) {
    const PartitionCommit& c = *applying;
    const Param partition = Param::Int4(c.partition.id()), offset = Param::Int8(c.next_offset.value());
    if (c.snapshot) {
      writes.push_back(
          {kUpsertSnapshot,
           {partition, Param::Int8(c.snapshot->valid_at.value()), Param::Bytea(c.snapshot->state)}});
    }
    if (c.lake_published) writes.push_back({kDeletePublishedLakeBatches, {partition}});
    for (const std::string& batch : c.lake_batches) {
      writes.push_back({kInsertLakeBatch, {partition, offset, Param::Text(batch)}});
    }
  }

  // Last, so the lock is held only for the sums and COMMIT: a sum computed after taking it sees the
  // partials of every transaction that took it before.
  if (pages.window_start.size() != 0 || users.window_start.size() != 0) {
    writes.push_back({kLockSums, {}});
    add(kSumPageViews, {&pages.window_start, &pages.window_end, &pages.page_url});
    add(kSumActiveUsers, {&users.window_start, &users.window_end});
    // Pruning after the sums, which must count this commit's final partials.
    if (staged.final_windows) {
      writes.push_back({PrunePartials("page_view_counts_by_partition"), {}});
      writes.push_back({PrunePartials("active_users_by_partition"), {}});
    }
  }
  if (writes.empty()) return Status::OK();
  return conn_.Pipeline(writes).status();
}

}  // namespace clickstream::pg
