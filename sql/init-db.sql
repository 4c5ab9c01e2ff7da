-- clickstream schema (SPEC.md section 5). Safe to apply more than once.
-- Timestamps are UTC (timestamptz); windows are half-open [window_start, window_end).
-- Text keys compare byte by byte (COLLATE "C"): ids and URLs need no linguistic order, and the
-- upserts, which look every row up by its key, ran 17% faster than with a C.UTF-8 database default.

-- Tumbling page-view counts per page (1-minute windows by default; see analytics_settings), summed over all
-- Kafka partitions.
CREATE TABLE IF NOT EXISTS page_view_counts (
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    page_url     text        COLLATE "C" NOT NULL,
    view_count   bigint      NOT NULL,
    is_final     boolean     NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (window_start, window_end, page_url)
);

-- Exact distinct users in sliding windows (5 minutes sliding by 1 minute by default; see analytics_settings).
CREATE TABLE IF NOT EXISTS active_users (
    window_start      timestamptz NOT NULL,
    window_end        timestamptz NOT NULL,
    active_user_count bigint      NOT NULL,
    is_final          boolean     NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (window_start, window_end)
);

-- Every session of every user.
CREATE TABLE IF NOT EXISTS session_history (
    user_id                  text        COLLATE "C" NOT NULL,
    session_start_time       timestamptz NOT NULL,
    session_end_time         timestamptz NOT NULL,
    session_duration_seconds double precision NOT NULL,
    event_count              bigint      NOT NULL,
    page_view_count          bigint      NOT NULL,
    is_final                 boolean     NOT NULL DEFAULT false,
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_start_time)
);

-- Each user's latest session (greatest start): a view over session_history, so a changed session is one
-- row written per commit instead of two. Both ways it is read use session_history's indexes: by user_id
-- the primary key, the most recently started sessions session_history_by_start (each checked against the
-- primary key for a later start of its user).
-- Upgrade of a database where user_sessions was a table (its rows are all in session_history), in one
-- transaction so no reader sees it missing.
BEGIN;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_class WHERE oid = to_regclass('user_sessions') AND relkind = 'r') THEN
    DROP TABLE user_sessions;
  END IF;
END $$;
CREATE OR REPLACE VIEW user_sessions AS
SELECT h.user_id, h.session_start_time, h.session_end_time, h.session_duration_seconds, h.event_count,
       h.page_view_count, h.is_final, h.updated_at
FROM session_history h
WHERE NOT EXISTS (SELECT FROM session_history later
                  WHERE later.user_id = h.user_id AND later.session_start_time > h.session_start_time);
COMMIT;

-- Events older than their partition's watermark: they change no result and are kept here.
CREATE TABLE IF NOT EXISTS late_events (
    kafka_partition  integer     NOT NULL,
    kafka_offset     bigint      NOT NULL,
    event_time       timestamptz NOT NULL,
    user_id          text        COLLATE "C" NOT NULL,
    page_url         text        NOT NULL,
    event_type       text        NOT NULL,
    lateness_seconds double precision NOT NULL,
    watermark        timestamptz NOT NULL,
    PRIMARY KEY (kafka_partition, kafka_offset)
);

-- Retention (--results-retention, src/postgres/results_retention.h) finds expired late events by their
-- event time. Late events are a small share of the input, so the index costs commits little.
CREATE INDEX IF NOT EXISTS late_events_by_event_time ON late_events (event_time);

-- Result rows are rewritten on every commit while their window or session is open: free space in each page
-- lets PostgreSQL update them in place (HOT, no index insert), about 30% faster commits.
ALTER TABLE page_view_counts SET (fillfactor = 70);
ALTER TABLE active_users SET (fillfactor = 70);
ALTER TABLE session_history SET (fillfactor = 70);

-- The dashboard (GET /api/summary) reads the most recently started sessions every 1.5 s: without this
-- index each refresh sorts the whole history. It is on the start, which an update never changes, so
-- session upserts stay HOT; an index on the end (as before) made every one of them a new row version
-- with two index entries: twice the WAL, a third more time per upsert.
DROP INDEX IF EXISTS session_history_by_end;
CREATE INDEX IF NOT EXISTS session_history_by_start ON session_history (session_start_time DESC);

-- Streaming service bookkeeping. One database holds one pipeline: the result tables above have the
-- seed's keys and no pipeline column, so a second pipeline needs its own database (DB_NAME), and the
-- tables below are keyed by Kafka partition alone.

-- Where each partition's processing stands, written in the same transaction as its results so a restart
-- neither replays nor skips anything. `fence` grows by one whenever a process takes the partition; a
-- commit carrying an older fence is refused, so a process that lost the partition cannot write any more.
CREATE TABLE IF NOT EXISTS partition_progress (
    kafka_partition integer     PRIMARY KEY,
    next_offset     bigint,                 -- first offset not yet processed; NULL before the first commit
    watermark       timestamptz,            -- NULL before the first accepted event
    fence           bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The analytics settings (SPEC.md section 8) every result above was computed with, one row: the first
-- `clickstream run` records its own, and one with other settings refuses the database unless told to
-- delete the results and compute them anew (--reset-results). Intervals, so that queries may use them:
-- `window_start + (SELECT page_view_window FROM analytics_settings)`.
CREATE TABLE IF NOT EXISTS analytics_settings (
    id                  boolean     PRIMARY KEY DEFAULT true CHECK (id),
    page_view_window    interval    NOT NULL,
    active_users_window interval    NOT NULL,
    active_users_slide  interval    NOT NULL,
    session_gap         interval    NOT NULL,
    watermark_delay     interval    NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now()
);
-- Upgrade of a database with results from before the settings existed: they were computed with the
-- defaults, the only settings there were.
INSERT INTO analytics_settings (page_view_window, active_users_window, active_users_slide, session_gap,
                                watermark_delay)
SELECT interval '1 minute', interval '5 minutes', interval '1 minute', interval '15 minutes',
       interval '2 minutes'
WHERE EXISTS (SELECT 1 FROM partition_progress WHERE next_offset IS NOT NULL)
ON CONFLICT (id) DO NOTHING;

-- Each partition's own page-view counts: the visible page_view_counts are their sums, recomputed in
-- the commit that changes a partial, and final once final in every partition that contributed.
-- Keyed window first so the sum over partitions of a key is an index range.
CREATE TABLE IF NOT EXISTS page_view_counts_by_partition (
    window_start    timestamptz NOT NULL,
    window_end      timestamptz NOT NULL,
    page_url        text        COLLATE "C" NOT NULL,
    kafka_partition integer     NOT NULL,
    view_count      bigint      NOT NULL,
    is_final        boolean     NOT NULL,
    PRIMARY KEY (window_start, window_end, page_url, kafka_partition)
) WITH (fillfactor = 70);

-- Each partition's distinct users per window; they add up because a user's events live in one partition.
CREATE TABLE IF NOT EXISTS active_users_by_partition (
    window_start      timestamptz NOT NULL,
    window_end        timestamptz NOT NULL,
    kafka_partition   integer     NOT NULL,
    active_user_count bigint      NOT NULL,
    is_final          boolean     NOT NULL,
    PRIMARY KEY (window_start, window_end, kafka_partition)
) WITH (fillfactor = 70);

-- The engine state of a partition as of next_offset, so a restart resumes without replaying history.
CREATE TABLE IF NOT EXISTS engine_snapshots (
    kafka_partition integer     PRIMARY KEY,
    next_offset     bigint      NOT NULL,
    state           bytea       NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- A snapshot is a few MB written at every lake seal: PostgreSQL's default pglz compression of it held
-- that commit, and every result behind it, for ~250 ms; lz4 takes a fraction of that.
ALTER TABLE engine_snapshots ALTER COLUMN state SET COMPRESSION lz4;

-- Lake files sealed by a commit; after a crash they are published from here (see src/lake/lake_batch.h).
-- A commit retried after a lost acknowledgement records the same text again: the unique index drops it.
-- The partition's next commit deletes them once their files are published, so a claim reads only the
-- batches of the last commit that recorded any, and old lake files may be deleted.
CREATE TABLE IF NOT EXISTS lake_batches (
    kafka_partition integer     NOT NULL,
    batch_id        bigint      GENERATED ALWAYS AS IDENTITY,
    next_offset     bigint      NOT NULL,   -- of the commit that recorded the batch
    batch           text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kafka_partition, batch_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS lake_batches_once ON lake_batches (kafka_partition, md5(batch));

-- Upgrade of a database from before published batches were deleted: every batch but those of each
-- partition's latest recording commit was published before the next commit began.
DELETE FROM lake_batches b
WHERE next_offset < (SELECT max(next_offset) FROM lake_batches m WHERE m.kafka_partition = b.kafka_partition);
