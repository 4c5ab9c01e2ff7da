#!/usr/bin/env bash
# scripts/services.sh refuses a port that is already taken, with one line naming the port and the fix.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=$(mktemp -d)
trap 'kill $holder 2>/dev/null || true; rm -rf "$state"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(60)" &
holder=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
if out=$(CLICKSTREAM_STATE_DIR=$state PG_PORT=$port KAFKA_PORT=auto KAFKA_CONTROLLER_PORT=auto \
    bash "$root/scripts/services.sh" start 2>&1); then
  echo "FAIL: start succeeded on a taken port"; exit 1
fi
echo "$out"
[ "$(echo "$out" | wc -l)" -eq 1 ] || { echo "FAIL: expected one line"; exit 1; }
echo "$out" | grep -q "port $port is already in use: stop what uses it or set PG_PORT" || { echo "FAIL: message"; exit 1; }
echo "1 passed, 0 failed"
