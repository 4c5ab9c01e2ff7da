#!/usr/bin/env bash
# `make run`: the producer and the pipeline, until Ctrl-C.
# Uses the Kafka and PostgreSQL named in the environment or .env (KAFKA_BOOTSTRAP_SERVERS, DB_*); when
# KAFKA_BOOTSTRAP_SERVERS is unset it starts the local ones (scripts/services.sh) and uses those.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ -f .env ]; then set -a; source .env; set +a; fi

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  bash scripts/services.sh start
  set -a; source <(bash scripts/services.sh env); set +a
fi
# The topics `run` reads and writes: KAFKA_TOPIC, KAFKA_ENRICHED_TOPIC and KAFKA_DLQ_TOPIC, or the defaults.
build/clickstream topics --partitions "${KAFKA_PARTITIONS:-4}"
TOPIC=${KAFKA_TOPIC:-user_activity}

# INPUT_FORMAT=avro: the producer writes Avro and the pipeline reads it, with the schema registry of
# SCHEMA_REGISTRY_URL, else a local one.
export INPUT_FORMAT=${INPUT_FORMAT:-json}
if [ "$INPUT_FORMAT" = avro ] && [ -z "${SCHEMA_REGISTRY_URL:-}" ]; then
  bash scripts/services.sh registry-start
  set -a; source <(bash scripts/services.sh env); set +a
fi

RATE=${PRODUCER_RATE:-200}
cat <<EOF2

clickstream is running: producer at $RATE events/s ($INPUT_FORMAT) into $TOPIC on $KAFKA_BOOTSTRAP_SERVERS.
Where to look:
  dashboard: http://${HTTP_ADDRESS:-127.0.0.1}:${HTTP_PORT:-18080}/   (metrics: /metrics, health: /healthz)
  results:   PGPASSWORD=<DB_PASSWORD> psql -h ${DB_HOST:-127.0.0.1} -p ${DB_PORT:-5432} -U $DB_USER $DB_NAME \\
               -c 'SELECT * FROM page_view_counts ORDER BY window_start DESC LIMIT 12'
  lake:      ${LAKE_DIR:-$ROOT/lake}/event_date=YYYY-MM-DD/*.parquet
  topics:    build/clickstream tail --topic ${KAFKA_ENRICHED_TOPIC:-enriched_activity}   (and ${KAFKA_DLQ_TOPIC:-user_activity_dlq})
Stop with Ctrl-C; the local services keep running until \`make services-stop\`.

EOF2

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait || true
}
trap cleanup EXIT INT TERM

build/clickstream produce --format "$INPUT_FORMAT" --rate "$RATE" --status-interval 10 &
pids+=($!)
if build/clickstream --help | grep -q '^  run '; then
  build/clickstream run &
  pids+=($!)
fi
wait -n || true
