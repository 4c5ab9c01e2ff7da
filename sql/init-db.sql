-- clickstream schema (SPEC.md section 5). Safe to apply more than once.
-- Timestamps are UTC (timestamptz); windows are half-open [window_start, window_end).

-- 1-minute tumbling page-view counts per page, summed over all Kafka partitions.
CREATE TABLE IF NOT EXISTS page_view_counts (
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    page_url     text        NOT NULL,
    view_count   bigint      NOT NULL,
    is_final     boolean     NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (window_start, window_end, page_url)
);

-- Exact distinct users in 5-minute windows sliding by 1 minute.
CREATE TABLE IF NOT EXISTS active_users (
    window_start      timestamptz NOT NULL,
    window_end        timestamptz NOT NULL,
    active_user_count bigint      NOT NULL,
    is_final          boolean     NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (window_start, window_end)
);

-- Each user's latest session.
CREATE TABLE IF NOT EXISTS user_sessions (
    user_id                  text        PRIMARY KEY,
    session_start_time       timestamptz NOT NULL,
    session_end_time         timestamptz NOT NULL,
    session_duration_seconds double precision NOT NULL,
    event_count              bigint      NOT NULL DEFAULT 0,
    page_view_count          bigint      NOT NULL DEFAULT 0,
    is_final                 boolean     NOT NULL DEFAULT false,
    updated_at               timestamptz NOT NULL DEFAULT now()
);

-- Every session of every user.
CREATE TABLE IF NOT EXISTS session_history (
    user_id                  text        NOT NULL,
    session_start_time       timestamptz NOT NULL,
    session_end_time         timestamptz NOT NULL,
    session_duration_seconds double precision NOT NULL,
    event_count              bigint      NOT NULL,
    page_view_count          bigint      NOT NULL,
    is_final                 boolean     NOT NULL DEFAULT false,
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_start_time)
);

-- Events older than their partition's watermark: they change no result and are kept here.
CREATE TABLE IF NOT EXISTS late_events (
    kafka_partition  integer     NOT NULL,
    kafka_offset     bigint      NOT NULL,
    event_time       timestamptz NOT NULL,
    user_id          text        NOT NULL,
    page_url         text        NOT NULL,
    event_type       text        NOT NULL,
    lateness_seconds double precision NOT NULL,
    watermark        timestamptz NOT NULL,
    PRIMARY KEY (kafka_partition, kafka_offset)
);
