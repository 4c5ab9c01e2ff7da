#!/usr/bin/env bash
# The Kafka client's A/B (`make bench-librdkafka`): `make bench`'s end-to-end benchmark, RUNS times (default
# 3) with each librdkafka, in turns (Debian 12's 2.0.2, the pinned one, Debian's, ...), from the same
# sources on the same machine and services. Prints the median of each figure for both; every run's output
# stays in $BUILD_DIR/bench/librdkafka-ab/.
#
# The binaries on Debian's library are built into $BUILD_DIR-librdkafka-debian with the run-time minimum
# lowered to it (CMake's CLICKSTREAM_LIBRDKAFKA_MIN_VERSION); the properties clickstream sets that 2.0.2
# does not know are skipped there (kafka::IsNewerLibraryTuning), and the consumer reads ahead what that
# library needs (kafka::ConsumerReadAhead). BENCH_FLAGS go to every run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
RUNS=${RUNS:-3}
OLD_BUILD=$BUILD_DIR-librdkafka-debian
DEBIAN_LIB=/usr/lib/$(gcc -print-multiarch)
[ -f "$DEBIAN_LIB/librdkafka.so.1" ] || { echo "no Debian librdkafka in $DEBIAN_LIB: run scripts/install-deps.sh" >&2; exit 1; }

[ -f "$OLD_BUILD/build.ninja" ] || cmake -S . -B "$OLD_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCLICKSTREAM_BUILD_TESTS=OFF -DCLICKSTREAM_LIBRDKAFKA_DIR="$DEBIAN_LIB" \
  -DCLICKSTREAM_LIBRDKAFKA_MIN_VERSION=2.0.2 >/dev/null
cmake --build "$OLD_BUILD" -j "$(nproc)" --target clickstream e2e_benchmark

version() { "$1/clickstream" --version | sed -n 's/^librdkafka \([^ ]*\).*/\1/p'; }
OLD_VERSION=$(version "$OLD_BUILD")
NEW_VERSION=$(version "$BUILD_DIR")
echo "A/B: librdkafka $OLD_VERSION ($OLD_BUILD) against $NEW_VERSION ($BUILD_DIR), $RUNS runs each, in turns"

bash scripts/services.sh start
set -a
# shellcheck disable=SC1090
source <(bash scripts/services.sh env)
set +a
OUT=$BUILD_DIR/bench/librdkafka-ab
rm -rf "$OUT"
mkdir -p "$OUT"
for i in $(seq 1 "$RUNS"); do
  for side in old new; do
    if [ $side = old ]; then dir=$OLD_BUILD version=$OLD_VERSION; else dir=$BUILD_DIR version=$NEW_VERSION; fi
    echo "run $i, librdkafka $version ..."
    # shellcheck disable=SC2086
    "$dir/bench/e2e_benchmark" --binary "$dir/clickstream" --work-dir "$dir/bench" $BENCH_FLAGS \
      > "$OUT/$side-$i.txt"
    tail -n 1 "$OUT/$side-$i.txt" > "$OUT/$side-$i.json"
  done
done

python3 - "$OUT" "$RUNS" "$OLD_VERSION" "$NEW_VERSION" <<'EOF'
import json, statistics, sys
out, runs, old_version, new_version = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(side):
    return [json.load(open(f"{out}/{side}-{i}.json")) for i in range(1, runs + 1)]
def scaling(threads, key):
    return lambda r: next((s[key] for s in r["scaling"] if s["threads"] == threads), float("nan"))
# (measure, how to read it from a run, True when higher is better)
measures = [
    ("transactional copy limit, events/s", lambda r: r["copy_eps"], True),
    ("pipeline drain, 1 thread, events/s", scaling(1, "eps"), True),
    ("pipeline drain, 2 threads, events/s", scaling(2, "eps"), True),
    ("send -> visible p50, ms", lambda r: r["p50_ms"], False),
    ("send -> visible p99, ms", lambda r: r["p99_ms"], False),
    ("pipeline peak RSS, MiB", lambda r: r["peak_rss_mb"], False),
    ("librdkafka threads' CPU, 1 thread, cores", scaling(1, "kafka_client_cores"), False),
    ("the same per event, us",
     lambda r: 1e6 * scaling(1, "kafka_client_cores")(r) / scaling(1, "eps")(r), False),
    ("claim -> first commit, median, ms", lambda r: r["claim_median_ms"], False),
    ("claim -> first commit, slowest, ms", lambda r: r["claim_slowest_ms"], False),
]
old, new = load("old"), load("new")
print(f"\nmedians of {runs} runs each (lowest-highest)\n")
print(f"| measure | librdkafka {old_version} | librdkafka {new_version} | new at least as good |")
print("|---|---:|---:|---|")
shown = lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"
def cell(values):
    return f"{shown(statistics.median(values))} ({shown(min(values))}-{shown(max(values))})"
for name, read, higher in measures:
    a, b = [read(r) for r in old], [read(r) for r in new]
    ok = statistics.median(b) >= statistics.median(a) if higher else statistics.median(b) <= statistics.median(a)
    print(f"| {name} | {cell(a)} | {cell(b)} | {'yes' if ok else 'no'} |")
EOF
