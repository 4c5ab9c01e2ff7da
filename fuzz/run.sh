#!/usr/bin/env bash
# Builds the parser fuzz target with clang-14 (libFuzzer + AddressSanitizer + UBSan) into build/fuzz and
# runs it. Not part of the normal build or ctest.
#   fuzz/run.sh [seconds]     (default 180)
set -euo pipefail
seconds="${1:-180}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/fuzz"

if ! command -v clang++-14 >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
  echo "installing clang-14 and libclang-rt-14-dev" >&2
  apt-get update -qq && apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null
fi

mkdir -p "$out/corpus"
cp -n "$root"/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/src" \
  "$root/fuzz/parser_fuzz.cc" "$root/src/engine/parser.cc" "$root/src/engine/event.cc" \
  "$root/src/common/rfc3339.cc" -lsimdjson -o "$out/parser_fuzz"
cd "$out"
./parser_fuzz -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus
