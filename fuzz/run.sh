#!/usr/bin/env bash
# Builds the fuzz targets with clang-14 (libFuzzer + AddressSanitizer + UBSan) into build/fuzz and runs
# each for the given time, one after the other: the record parser (records up to 2 MB), the RFC 3339
# parser and the Avro decoder (Debian's Avro C, not instrumented: its crashes and our code's reports
# count, coverage guides through our code only). Not part of the normal build or ctest.
#   fuzz/run.sh [seconds per target]     (default 180)
set -euo pipefail
seconds="${1:-180}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/fuzz"

if ! command -v clang++-14 >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
  echo "installing clang-14 and libclang-rt-14-dev" >&2
  apt-get update -qq && apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null
fi

flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$root/src")
mkdir -p "$out/corpus" "$out/corpus_rfc3339" "$out/corpus_avro"
cp -n "$root"/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
cp -n "$root"/fuzz/corpus_rfc3339/* "$out/corpus_rfc3339/" 2>/dev/null || true
clang++-14 "${flags[@]}" "$root/fuzz/parser_fuzz.cc" "$root/src/engine/parser.cc" "$root/src/engine/event.cc" \
  "$root/src/common/rfc3339.cc" "$root/src/common/json_writer.cc" "$root/src/common/check.cc" -lsimdjson -o "$out/parser_fuzz"
clang++-14 "${flags[@]}" "$root/fuzz/rfc3339_fuzz.cc" "$root/src/common/rfc3339.cc" "$root/src/common/check.cc" -o "$out/rfc3339_fuzz"
clang++-14 "${flags[@]}" "$root/fuzz/avro_fuzz.cc" "$root/src/engine/avro_parser.cc" "$root/src/engine/parser.cc" \
  "$root/src/engine/event.cc" "$root/src/common/rfc3339.cc" "$root/src/common/json_writer.cc" "$root/src/common/check.cc" \
  -lsimdjson -lavro -o "$out/avro_fuzz"
cd "$out"
# Crashers are written to build/fuzz/crash-*; copy them into fuzz/corpus*/ once fixed.
./parser_fuzz -max_total_time="$seconds" -max_len=2097152 -dict="$root/fuzz/clickstream.dict" \
  -print_final_stats=1 corpus
./rfc3339_fuzz -max_total_time="$seconds" -max_len=64 -dict="$root/fuzz/clickstream.dict" \
  -print_final_stats=1 corpus_rfc3339
# Avro C allocates the length a datum declares before reading it (a negative one wraps to a huge size);
# the allocator refusing is the expected outcome, which Avro C reports as a decode error.
ASAN_OPTIONS=allocator_may_return_null=1 ./avro_fuzz -max_total_time="$seconds" -max_len=4096 \
  -print_final_stats=1 corpus_avro
