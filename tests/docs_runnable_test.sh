#!/usr/bin/env bash
# Every shell block of the docs fenced as ```sh runnable runs against the test services and exits 0
# (docs/architecture.md "Documentation that cannot drift"). Each page's blocks run in order as one script
# (set -euo pipefail) in a scratch directory holding build/, sql/, scripts/ and .deps/ of the checkout;
# the local ports 19092, 15432 and 18080 become the test services' and a free HTTP port; PGPASSWORD
# answers psql. getting-started.md runs first: it starts the pipeline whose results other pages query.
# Usage: docs_runnable_test.sh BUILD_DIR (CLICKSTREAM_STATE_DIR names the services).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
set -a
source <(bash "$root/scripts/services.sh" env)
set +a
export PGPASSWORD=$DB_PASSWORD
HTTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export HTTP_PORT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$build" "$work/build"
ln -s "$root/sql" "$work/sql"
ln -s "$root/scripts" "$work/scripts"
ln -s "$root/.deps" "$work/.deps"

# The runnable blocks of page $1, without the fences' indentation, on the test's ports.
runnable_blocks() {
  awk '/^ *```sh runnable$/ { on = 1; indent = index($0, "`") - 1; next }
       on && /^ *```$/ { on = 0; next }
       on { print substr($0, indent + 1) }' "$1" |
    sed -e "s/\b19092\b/$KAFKA_PORT/g; s/\b15432\b/$PG_PORT/g; s/\b18080\b/$HTTP_PORT/g"
}

# The results tables start empty, as in the other tests: the docs' pipeline claims its partitions afresh,
# without the lake files an earlier run recorded elsewhere.
psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -q -c "DO \$\$ DECLARE t text; BEGIN FOR t IN
  SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE format('TRUNCATE %I', t); END LOOP;
  END \$\$"

pages=("$root/docs/getting-started.md")
for page in "$root"/docs/*.md "$root/README.md"; do
  [ "$page" = "${pages[0]}" ] || pages+=("$page")
done
passed=0 failed=0
for page in "${pages[@]}"; do
  script=$(runnable_blocks "$page")
  [ -n "$script" ] || continue
  name=${page#"$root"/}
  echo "== $name"
  # A session of its own (its id is $pid), so that whatever the page leaves running is stopped with it.
  (cd "$work" && exec setsid timeout 120 bash -euo pipefail -c "$script") &
  pid=$!
  if wait "$pid"; then
    passed=$((passed + 1))
  else
    echo "FAIL: a runnable block of $name failed (exit $?); run it by hand against scripts/services.sh"
    failed=$((failed + 1))
  fi
  kill -- "-$pid" 2>/dev/null || true
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -ge 2 ]
