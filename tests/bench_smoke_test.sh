#!/usr/bin/env bash
# `make bench` end to end at a tiny scale against the test services: every phase runs and the last line
# is the JSON summary with the documented keys and plausible values. A check that the benchmark works,
# not a measurement. Usage: bench_smoke_test.sh BUILD_DIR (CLICKSTREAM_STATE_DIR names the services).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
set -a
source <(bash "$root/scripts/services.sh" env)
set +a
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$("$build/bench/e2e_benchmark" --binary "$build/clickstream" --schema "$root/sql/init-db.sql" \
  --work-dir "$work" --bench-db clickstream_bench_smoke --events 20000 --users 1000 \
  --latency-rate 500 --latency-seconds 3 --floor-seconds 2 --warmup-seconds 1 --max-warmup-seconds 10)
echo "$out"
echo "$out" | tail -n 1 | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
for key in ("raw_eps", "copy_eps", "copy_ratio", "slow_commits", "pipeline_eps", "ratio", "p50_ms", "p99_ms", "peak_rss_mb", "pg_busy_share",
            "pg_rows_per_event", "pg_rows_per_s", "warmup_s", "copy_p50_ms", "copy_p99_ms", "copy_one_producer_p50_ms",
            "copy_one_producer_p99_ms", "claim_median_ms", "claim_slowest_ms"):
    assert key in d, "missing " + key
assert d["raw_eps"] > 0 and d["pipeline_eps"] > 0 and d["ratio"] > 0, d
assert d["copy_eps"] > 0 and d["copy_ratio"] > 0 and d["slow_commits"] >= 0, d
assert 0 < d["p50_ms"] <= d["p99_ms"] and d["peak_rss_mb"] > 0 and 1 <= d["warmup_s"] <= 11, d
assert 0 < d["copy_p50_ms"] <= d["copy_p99_ms"] and 0 < d["copy_one_producer_p50_ms"] <= d["copy_one_producer_p99_ms"], d
assert 0 < d["pg_busy_share"] <= 1 and d["pg_rows_per_event"] > 0 and d["pg_rows_per_s"] > 0, d
assert 0 < d["claim_median_ms"] <= d["claim_slowest_ms"], d
# The copy limit with its start-up, longest gap and CPU; a run this short may have no steady state, and
# copy_eps is then the whole run: never more than that.
for key in ("copy_total_eps", "copy_startup_s", "copy_longest_stall_s", "copy_cpu_cores"):
    assert key in d, "missing " + key
assert d["copy_total_eps"] > 0 and d["copy_startup_s"] > 0 and d["copy_longest_stall_s"] >= 0, d
assert d["copy_cpu_cores"] > 0 and d["copy_us_per_event"] > 0 and d["copy_broker_cores"] >= 0, d
assert 0 < d["copy_commit_share"] < 1, d
# Where each drain'"'"'s CPU went: the broker and PostgreSQL are found by their command lines, so a run
# that found neither shows 0 for them.
assert [r["threads"] for r in d["scaling"]] == [1, 2], d["scaling"]
for r in d["scaling"]:
    assert r["us_per_event"] > 0 and r["peak_rss_mb"] > 0, r
    assert r["broker_cores"] >= 0 and r["postgres_cores"] >= 0, r
assert sum(r["broker_cores"] for r in d["scaling"]) > 0 and sum(r["postgres_cores"] for r in d["scaling"]) > 0, d
'
[ -s "$work/latency.csv" ] || { echo "FAIL: no latency.csv"; exit 1; }
# Runs must not pile up topics on a long-lived broker.
echo "$out" | grep -q "deleted the run's 17 topics" || { echo "FAIL: the run's topics were not deleted"; exit 1; }
echo "1 passed, 0 failed"

# `make bench-retention` at a tiny scale: every phase prints its line, and the batched delete deleted a day.
out=$(DAYS=2 PAGES=5 PHASE_SECONDS=2 bash "$root/bench/retention_benchmark.sh" 2>&1)
echo "$out"
[ "$(echo "$out" | grep -c ' commits/s ')" = 5 ]
echo "$out" | grep -q 'deleted 7200 rows at'
