#!/usr/bin/env bash
# How --results-retention's batched DELETEs (src/postgres/results_retention.h) weigh on commits, against
# the alternative of tables partitioned by day whose expired days are dropped. On the local PostgreSQL
# (`make bench-retention` starts it), in a database of its own that it drops at the end:
#   1. page_view_counts holds DAYS days of 1-minute windows of PAGES pages (DAYS x 1440 x PAGES rows);
#   2. CLIENTS pgbench clients run commit-like transactions (20 upserts of current windows) for PHASE_SECONDS s
#      alone, then as long again while the oldest day is deleted in batches of 5000 rows, each followed
#      by a pause as long as it took (as the pipeline's retention does);
#   3. the same data in a table partitioned by day: the commits run while a dashboard query reads for 3 s
#      and the oldest day's partition is dropped (DROP TABLE), then while the next day's is detached
#      (DETACH PARTITION ... CONCURRENTLY) and dropped.
# Prints, per phase, the commits' throughput, mean, p99 and largest latency, and the rows/s deleted.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DAYS=${DAYS:-8} PAGES=${PAGES:-50} CLIENTS=${CLIENTS:-4} PHASE_SECONDS=${PHASE_SECONDS:-10}
set -a && source <(bash "$ROOT/scripts/services.sh" env) && set +a
export PGHOST=$DB_HOST PGPORT=$DB_PORT PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD
PSQL="psql -X -q -v ON_ERROR_STOP=1"
PGBENCH=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)  # Debian's server package ships it
DB=clickstream_retention_bench
WORK=${WORK:-$(mktemp -d)}
trap 'rm -rf "$WORK"; $PSQL -d "$DB_NAME" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT

$PSQL -d "$DB_NAME" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
$PSQL -f "$ROOT/sql/init-db.sql" >/dev/null
# Old windows, then a partitioned copy with a partition per day (and one for the commits' current day).
$PSQL <<SQL
SET TimeZone = 'UTC';
INSERT INTO page_view_counts (window_start, window_end, page_url, view_count, is_final)
SELECT t, t + interval '1 minute', 'https://example.com/page' || p, 1, true
FROM generate_series(timestamptz '2026-01-01', timestamptz '2026-01-01' + interval '$DAYS days' - interval '1 minute',
                     interval '1 minute') t, generate_series(1, $PAGES) p;
CREATE TABLE pvc_by_day (LIKE page_view_counts INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)
  PARTITION BY RANGE (window_start);
DO \$\$ BEGIN
  FOR d IN 0..$DAYS LOOP
    EXECUTE format('CREATE TABLE pvc_day_%s PARTITION OF pvc_by_day FOR VALUES FROM (%L) TO (%L) WITH (fillfactor = 70)',
                   d, timestamptz '2026-01-01' + d * interval '1 day', timestamptz '2026-01-01' + (d + 1) * interval '1 day');
  END LOOP;
  EXECUTE format('CREATE TABLE pvc_day_now PARTITION OF pvc_by_day FOR VALUES FROM (%L) TO (%L)',
                 timestamptz '2030-01-01', timestamptz '2030-01-02');
END \$\$;
INSERT INTO pvc_by_day SELECT * FROM page_view_counts;
VACUUM ANALYZE;
SQL

# A commit: 20 upserts of current windows, as the pipeline writes them; each client its own pages, as
# each partition has its own rows (clients upserting the same rows in random order would deadlock).
commit_script() {
  local table=$1
  {
    echo "BEGIN;"
    for i in $(seq 1 20); do
      echo "\\set p :client_id * 1000 + random(1, $PAGES)"
      echo "\\set m random(0, 4)"
      echo "INSERT INTO $table (window_start, window_end, page_url, view_count, is_final) VALUES (timestamptz '2030-01-01' + :m * interval '1 minute', timestamptz '2030-01-01' + (:m + 1) * interval '1 minute', 'https://example.com/page' || :p, 1, false) ON CONFLICT (window_start, window_end, page_url) DO UPDATE SET view_count = $table.view_count + 1;"
    done
    echo "COMMIT;"
  } > "$WORK/$table.sql"
}
commit_script page_view_counts
commit_script pvc_by_day

# Runs the commits on `table` for PHASE_SECONDS s while `side` (a shell command) runs; prints a line.
phase() {
  local name=$1 table=$2 side=$3
  rm -f "$WORK"/pgbench_log.*
  (cd "$WORK" && "$PGBENCH" -n -c "$CLIENTS" -j "$CLIENTS" -T "$PHASE_SECONDS" -l -f "$WORK/$table.sql" \
      > "$WORK/pgbench.out" 2>&1) &
  local bench=$!
  local side_out=""
  if [ -n "$side" ]; then side_out=$(eval "$side"); fi
  wait $bench
  # pgbench's log: client, transaction, latency in microseconds, ...
  cat "$WORK"/pgbench_log.* | awk '{print $3}' | sort -n > "$WORK/latencies"
  local n; n=$(wc -l < "$WORK/latencies")
  awk -v n="$n" -v s="$PHASE_SECONDS" -v name="$name" -v side="$side_out" '
    { sum += $1; if (NR == int(n * 0.99)) p99 = $1; max = $1 }
    END { printf "%-50s %7.0f commits/s  mean %6.2f ms  p99 %7.2f ms  max %8.2f ms  %s\n",
          name, n / s, sum / n / 1000, p99 / 1000, max / 1000, side }' "$WORK/latencies"
}

# The retention's batches, on the oldest day, paced as the pipeline paces them.
batched_delete() {
  sleep 1
  $PSQL -t -A <<'SQL'
SET TimeZone = 'UTC';
DO $$
DECLARE n bigint; total bigint := 0; started timestamptz; began timestamptz := clock_timestamp();
BEGIN
  LOOP
    started := clock_timestamp();
    WITH deleted AS (DELETE FROM page_view_counts WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM page_view_counts WHERE window_start < '2026-01-02' AND window_end <= '2026-01-02' LIMIT 5000))
      RETURNING 1) SELECT count(*) INTO n FROM deleted;
    COMMIT;
    total := total + n;
    EXIT WHEN n < 5000;
    PERFORM pg_sleep(extract(epoch FROM clock_timestamp() - started));
  END LOOP;
  RAISE NOTICE 'deleted % rows at % rows/s', total,
    round(total / extract(epoch FROM clock_timestamp() - began));
END $$;
SQL
}
# A dashboard query reading for 3 s, and 0.5 s into it a day's partition expired by `statements` (psql -c
# arguments); prints how long they took, labelled `what`.
expire_partition() {
  local what=$1
  shift
  sleep 1
  $PSQL -c "SELECT pg_sleep(3) FROM (SELECT 1 FROM pvc_by_day LIMIT 1) s" >/dev/null &
  sleep 0.5
  local t0; t0=$(date +%s%N)
  $PSQL "$@"
  echo "$what took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  wait
}

echo "page_view_counts: $DAYS days x 1440 windows x $PAGES pages; $CLIENTS clients of 20-upsert commits"
phase "commits alone" page_view_counts ""
phase "commits + batched DELETE of a day" page_view_counts "batched_delete 2>&1 | sed -n 's/.*NOTICE: *//p'"
phase "partitioned: commits alone" pvc_by_day ""
phase "partitioned: commits + read + DROP partition" pvc_by_day "expire_partition 'DROP TABLE' -c 'DROP TABLE pvc_day_0' 2>&1 | tail -1"
phase "partitioned: commits + read + DETACH CONCURRENTLY" pvc_by_day "expire_partition 'DETACH CONCURRENTLY + DROP' -c 'ALTER TABLE pvc_by_day DETACH PARTITION pvc_day_1 CONCURRENTLY' -c 'DROP TABLE pvc_day_1' 2>&1 | tail -1"
