#!/usr/bin/env bash
# Checks the locking rules the sources declare (GUARDED_BY, REQUIRES, ...: src/common/thread_annotations.h)
# with clang's thread-safety analysis: the project's sources in the build's compile_commands.json (src/,
# tests/, bench/; not the generated ones, not .deps) that include the annotations are compiled by clang-14
# with -fsyntax-only -Wthread-safety -Werror=thread-safety, its other warnings off (the build's own are
# GCC's). No code is generated, so it takes a fraction of a build; files are checked in parallel, one per
# core.
# First it makes sure that a violation fails (a guarded member read without its mutex): a check that
# cannot fail, e.g. because the annotations expanded to nothing, is itself an error.
#   scripts/check-thread-safety.sh [build folder]     (default build; configured by `make build`)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
db="$build/compile_commands.json"
[ -f "$db" ] || { echo "check-thread-safety: no $db (configure the build first)" >&2; exit 1; }
bash "$root/scripts/install-deps.sh" --thread-safety
clang=clang++-14
flags=(-fsyntax-only -Wno-everything -Wthread-safety -Werror=thread-safety)

probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
cat > "$probe/violation.cc" <<'EOF'
#include "common/mutex.h"
struct Counter {
  clickstream::Mutex mu;
  int n GUARDED_BY(mu) = 0;
  int Read() { return n; }
};
EOF
if "$clang" -std=c++20 "${flags[@]}" -I"$root/src" "$probe/violation.cc" 2>"$probe/violation.out" ||
   ! grep -q "requires holding mutex" "$probe/violation.out"; then
  cat "$probe/violation.out" >&2
  echo "check-thread-safety: a read of a GUARDED_BY member without its mutex was not reported" >&2
  exit 1
fi

# One shell command per source: the build's, with clang for the compiler, no output file and the flags
# above in place of its warning options. Only the sources that include thread_annotations.h (through
# the project's own headers, `#include "..."`; conditions ignored) can break a rule: the others are skipped.
python3 - "$db" "$root" "$clang" "${flags[@]}" > "$probe/commands" <<'EOF'
import json, os, re, shlex, sys
db, root, clang, flags = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
annotations = os.path.join(root, "src/common/thread_annotations.h")
include = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
memo = {}

def annotated(path):
    if path not in memo:
        memo[path] = path == annotations  # meanwhile: an include cycle ends here
        with open(path, errors="replace") as f:
            names = include.findall(f.read())
        for name in names:
            found = [os.path.normpath(os.path.join(base, name)) for base in (os.path.dirname(path), f"{root}/src")]
            found = [h for h in found if os.path.isfile(h)]
            if found and annotated(found[0]):
                memo[path] = True
                break
    return memo[path]

for entry in json.load(open(db)):
    source = entry["file"]
    if not any(source.startswith(f"{root}/{d}/") for d in ("src", "tests", "bench")) or not annotated(source):
        continue
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    kept, skip = [], False
    for a in args[1:]:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a != "-c" and not a.startswith("-W") and a != source:
            kept.append(a)
    command = [clang, *kept, *flags, source]
    sys.stdout.write(f"cd {shlex.quote(entry['directory'])} && {shlex.join(command)}\0")
EOF
count=$(tr -cd '\0' < "$probe/commands" | wc -c)
start=$SECONDS
if ! xargs -0 -P "$(nproc)" -n 1 bash -c 'eval "$1"' _ < "$probe/commands"; then
  echo "check-thread-safety: the thread-safety analysis reported the errors above" >&2
  exit 1
fi
echo "check-thread-safety: $count sources with annotations, no violation ($((SECONDS - start)) s)"
