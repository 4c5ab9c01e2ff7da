#!/usr/bin/env bash
# Local services for development and tests: a single-node KRaft Kafka broker and a PostgreSQL server,
# both on 127.0.0.1 only, both owned by this project (no system service, no default ports).
#
#   scripts/services.sh start    start both (harmless when already running), create topics, apply the schema
#   scripts/services.sh stop     stop both; leaves no process behind
#   scripts/services.sh status   say what runs where
#   scripts/services.sh env      print the connection settings as KEY=VALUE lines
#   scripts/services.sh reset    stop both and delete their data and settings (tests start from scratch)
#   scripts/services.sh kafka-stop|kafka-start|pg-stop|pg-start   one service alone (fault tests)
#   scripts/services.sh pg-pid   the PostgreSQL postmaster's pid (fault tests signal it and its children)
#   scripts/services.sh registry-start|registry-stop   the schema registry of Avro input (Apicurio Registry,
#                                installed on first use by scripts/install-deps.sh --avro; in-memory storage)
#   scripts/services.sh registry-pid   its pid (fault tests stop it with SIGSTOP)
#
# Settings (environment):
#   CLICKSTREAM_STATE_DIR  where data, logs and pid files live        (default: .run in the checkout)
#   KAFKA_PORT             broker listener port                      (default: 19092; "auto": a free port)
#   KAFKA_CONTROLLER_PORT  KRaft controller port                     (default: 19093; "auto": a free port)
#   PG_PORT                PostgreSQL port                           (default: 15432; "auto": a free port)
#   REGISTRY_PORT          schema registry port                      (default: 18081; "auto": a free port)
#   REGISTRY_MANAGEMENT_PORT  its health/metrics port                (default: 18082; "auto": a free port)
#   KAFKA_PARTITIONS       partitions of user_activity               (default: 4)
#   DB_USER, DB_PASSWORD, DB_NAME   the database role and database   (default: clickstream for all three)
#   KAFKA_HEAP             broker JVM heap                           (default: 512m)
#   CLICKSTREAM_SECURE     1: TLS everywhere (tests of secure connections): the broker has a SASL_SSL listener taking
#                          PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for one user, whose SCRAM password
#                          (KAFKA_SASL_PASSWORD) differs from its PLAIN one (KAFKA_SASL_PLAIN_PASSWORD), so
#                          a login proves its mechanism; the clients use KAFKA_SASL_MECHANISM (default
#                          SCRAM-SHA-512). The broker authorizes with ACLs (StandardAuthorizer): that user
#                          is a super user, and a second one (KAFKA_ACL_USERNAME, SCRAM-SHA-512) may do only
#                          what ACLs grant it. PostgreSQL has ssl = on and hostssl rules only; both
#                          require a client certificate (mutual TLS); a CA and certificates
#                          for 127.0.0.1/localhost and a client certificate are made in $STATE/tls,
#                          and `env` prints the client settings (KAFKA_SECURITY_PROTOCOL, DATABASE_URL, ...)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/versions.sh"

STATE=${CLICKSTREAM_STATE_DIR:-$ROOT/.run}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
SETTINGS="$STATE/services.env"

die() { printf 'services: %s\n' "$*" >&2; exit 1; }
log() { printf '[services] %s\n' "$*"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Ends the process of pid file $1 (named $2 in the log): SIGTERM, then SIGKILL after 30 s.
stop_process() {
  alive "$1" || { rm -f "$1"; return 0; }
  local pid; pid=$(cat "$1")
  kill -CONT "$pid" 2>/dev/null || true  # a fault test may have stopped it with SIGSTOP
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
  log "$2 stopped"
}

# Settings chosen at the first start are kept in $SETTINGS so that later calls (stop, tests) agree.
load_settings() {
  if [ -f "$SETTINGS" ]; then
    # shellcheck disable=SC1090
    source "$SETTINGS"
    SECURE=${SECURE:-0}
    return
  fi
  KAFKA_PORT=${KAFKA_PORT:-19092}
  KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
  PG_PORT=${PG_PORT:-15432}
  [ "$KAFKA_PORT" = auto ] && KAFKA_PORT=$(free_port)
  [ "$KAFKA_CONTROLLER_PORT" = auto ] && KAFKA_CONTROLLER_PORT=$(free_port)
  [ "$PG_PORT" = auto ] && PG_PORT=$(free_port)
  DB_USER=${DB_USER:-clickstream}
  DB_PASSWORD=${DB_PASSWORD:-clickstream}
  DB_NAME=${DB_NAME:-clickstream}
  SECURE=${CLICKSTREAM_SECURE:-0}
  KAFKA_INTERNAL_PORT=""
  if [ "$SECURE" = 1 ]; then
    KAFKA_INTERNAL_PORT=$(free_port)
    KAFKA_SASL_USERNAME=${KAFKA_SASL_USERNAME:-clickstream}
    KAFKA_SASL_PASSWORD=${KAFKA_SASL_PASSWORD:-$(openssl rand -hex 16)}
    KAFKA_SASL_PLAIN_PASSWORD=${KAFKA_SASL_PLAIN_PASSWORD:-$(openssl rand -hex 16)}
    KAFKA_ACL_USERNAME=${KAFKA_ACL_USERNAME:-restricted}
    KAFKA_ACL_PASSWORD=${KAFKA_ACL_PASSWORD:-$(openssl rand -hex 16)}
  fi
  cat > "$SETTINGS" <<EOF
KAFKA_PORT=$KAFKA_PORT
KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT
PG_PORT=$PG_PORT
DB_USER=$DB_USER
DB_PASSWORD=$DB_PASSWORD
DB_NAME=$DB_NAME
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
DB_HOST=127.0.0.1
DB_PORT=$PG_PORT
SECURE=$SECURE
EOF
  if [ "$SECURE" = 1 ]; then
    cat >> "$SETTINGS" <<EOF
KAFKA_INTERNAL_PORT=$KAFKA_INTERNAL_PORT
KAFKA_SECURITY_PROTOCOL=SASL_SSL
KAFKA_SASL_MECHANISM=${KAFKA_SASL_MECHANISM:-SCRAM-SHA-512}
KAFKA_SASL_USERNAME=$KAFKA_SASL_USERNAME
KAFKA_SASL_PASSWORD=$KAFKA_SASL_PASSWORD
KAFKA_SASL_PLAIN_PASSWORD=$KAFKA_SASL_PLAIN_PASSWORD
KAFKA_ACL_USERNAME=$KAFKA_ACL_USERNAME
KAFKA_ACL_PASSWORD=$KAFKA_ACL_PASSWORD
KAFKA_SSL_CA_LOCATION=$STATE/tls/ca.pem
KAFKA_SSL_CERTIFICATE_LOCATION=$STATE/tls/client.pem
KAFKA_SSL_KEY_LOCATION=$STATE/tls/client.key
DATABASE_URL="host=localhost hostaddr=127.0.0.1 port=$PG_PORT dbname=$DB_NAME user=$DB_USER sslmode=verify-full sslrootcert=$STATE/tls/ca.pem sslcert=$STATE/tls/client.pem sslkey=$STATE/tls/client.key"
EOF
  fi
}

# --- TLS (CLICKSTREAM_SECURE=1) ---------------------------------------------------------------------
# A CA, a server certificate for 127.0.0.1 and localhost (PEM, and PKCS12 for the broker) and a client
# certificate, made once per state directory.
TLS_PASSWORD=clickstream-keystore
tls_make() {
  local dir="$STATE/tls"
  [ -f "$dir/server.p12" ] && return
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=clickstream test CA" \
      -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile server.ext -out server.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=clickstream" -keyout client.key -out client.csr
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out client.pem
    openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name server \
      -passout "pass:$TLS_PASSWORD" -out server.p12
  ) >"$STATE/tls.log" 2>&1 || die "making test certificates failed: see $STATE/tls.log"
  chmod 600 "$dir"/*.key
}

# --- PostgreSQL -------------------------------------------------------------------------------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_OS_USER=clickstream-pg

# The server refuses to run as root, so as root it runs as a dedicated system user, with its data where
# that user can reach it (a checkout under /root is not traversable by other users).
pg_dir() {
  if [ "$(id -u)" -eq 0 ]; then
    echo "/var/tmp/clickstream-pg/$(echo "$STATE" | md5sum | cut -c1-12)"
  else
    echo "$STATE/pg"
  fi
}
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

pg_start() {
  [ -n "$PG_BIN" ] || die "PostgreSQL server not installed: run scripts/install-deps.sh"
  local dir; dir=$(pg_dir)
  if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  # A postmaster killed with SIGKILL leaves its lock files behind; where nothing reaps orphans (some
  # container inits), its zombie keeps that pid alive, and pg_ctl and the new server would take it for
  # a running server.
  local pidfile="$dir/data/postmaster.pid"
  if [ -f "$pidfile" ] && [ "$(awk '{print $3}' "/proc/$(head -n 1 "$pidfile")/stat" 2>/dev/null)" = Z ]; then
    rm -f "$pidfile" "$dir/.s.PGSQL.$PG_PORT.lock"
  fi
  if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "postgres already running on 127.0.0.1:$PG_PORT"
    return
  fi
  port_open "$PG_PORT" && die "port $PG_PORT is already in use: stop what uses it or set PG_PORT to a free port"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "postgres: initdb in $dir/data"
    printf '%s\n' "$DB_PASSWORD" > "$dir/pwfile"
    [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir/pwfile"
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U "$DB_USER" --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      die "initdb failed: see $dir/initdb.log"
    rm -f "$dir/pwfile"
    if [ "$SECURE" = 1 ]; then
      # TLS only over TCP: hostssl rules, the server's certificate and key in the data directory.
      # and a client certificate signed by the CA on top of the password (mutual TLS).
      sed -i -E 's/^host(\s.*)$/hostssl\1 clientcert=verify-ca/' "$dir/data/pg_hba.conf"
      cp "$STATE/tls/ca.pem" "$dir/data/root.crt"
      cp "$STATE/tls/server.pem" "$dir/data/server.crt"
      cp "$STATE/tls/server.key" "$dir/data/server.key"
      [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir/data/server.crt" "$dir/data/server.key" "$dir/data/root.crt"
      chmod 600 "$dir/data/server.key"
    fi
  fi
  # Loopback only; the socket lives beside the data, not in /var/run/postgresql. Durable commits (fsync,
  # synchronous_commit) as in production. The pipeline rewrites the same session rows all the time, so
  # with the defaults (1 GB of WAL, 128 MB of buffers) checkpoints came every few seconds under load, and
  # the full-page images written after each one stalled commits for up to 3 s: fewer checkpoints, more
  # buffers and compressed page images keep commits in the tens of milliseconds.
  local tuning="-c shared_buffers=512MB -c wal_buffers=64MB -c max_wal_size=4GB -c checkpoint_timeout=30min"
  tuning+=" -c wal_compression=lz4"
  [ "$SECURE" = 1 ] && tuning+=" -c ssl=on -c ssl_ca_file=root.crt"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir -c fsync=on -c synchronous_commit=on $tuning" start >/dev/null ||
    die "postgres did not start: see $dir/server.log"
  if ! as_pg "$PG_BIN/psql" -h "$dir" -p "$PG_PORT" -U "$DB_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    as_pg "$PG_BIN/psql" -q -h "$dir" -p "$PG_PORT" -U "$DB_USER" -d postgres -c "CREATE DATABASE \"$DB_NAME\""
  fi
  local client_cert=()
  [ "$SECURE" = 1 ] && client_cert=(PGSSLCERT="$STATE/tls/client.pem" PGSSLKEY="$STATE/tls/client.key")
  env "${client_cert[@]}" PGOPTIONS="-c client_min_messages=warning" PGPASSWORD="$DB_PASSWORD" psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
    -f "$ROOT/sql/init-db.sql" >/dev/null
  log "postgres ready on 127.0.0.1:$PG_PORT (database $DB_NAME, schema applied)"
}

pg_stop() {
  [ -n "$PG_BIN" ] || return 0
  local dir; dir=$(pg_dir)
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  log "postgres stopped"
}

# --- Schema registry (Avro input) ------------------------------------------------------------------
REGISTRY_DIR="$ROOT/.deps/apicurio-$APICURIO_VERSION"

# Its ports are chosen at its first start and added to $SETTINGS, which may predate it.
registry_settings() {
  if ! grep -q '^REGISTRY_PORT_CHOSEN=' "$SETTINGS"; then
    local port=${REGISTRY_PORT:-18081} management=${REGISTRY_MANAGEMENT_PORT:-18082}
    [ "$port" = auto ] && port=$(free_port)
    [ "$management" = auto ] && management=$(free_port)
    printf 'REGISTRY_PORT_CHOSEN=%s\nREGISTRY_MANAGEMENT_PORT_CHOSEN=%s\nSCHEMA_REGISTRY_URL=%s\n' \
      "$port" "$management" "http://127.0.0.1:$port/apis/ccompat/v7" >> "$SETTINGS"
  fi
  # shellcheck disable=SC1090
  source "$SETTINGS"
}

registry_answers() { curl -fsS -o /dev/null "http://127.0.0.1:$1/apis/ccompat/v7/subjects" 2>/dev/null; }

registry_start() {
  bash "$ROOT/scripts/install-deps.sh" --avro
  registry_settings
  local dir="$STATE/registry" port=$REGISTRY_PORT_CHOSEN
  if alive "$dir/registry.pid"; then
    log "schema registry already running on 127.0.0.1:$port"
    return
  fi
  port_open "$port" && die "port $port is already in use: stop what uses it or set REGISTRY_PORT to a free port"
  port_open "$REGISTRY_MANAGEMENT_PORT_CHOSEN" &&
    die "port $REGISTRY_MANAGEMENT_PORT_CHOSEN is already in use: set REGISTRY_MANAGEMENT_PORT to a free port"
  local java; java=$(bash "$ROOT/scripts/java21.sh") || die "no Java 21+: run scripts/install-deps.sh --avro"
  mkdir -p "$dir"
  # Loopback only, the management port too (it would listen on 0.0.0.0:9000).
  QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$port \
    QUARKUS_MANAGEMENT_HOST=127.0.0.1 QUARKUS_MANAGEMENT_PORT=$REGISTRY_MANAGEMENT_PORT_CHOSEN \
    nohup setsid "$java" -Xmx512m -jar "$REGISTRY_DIR/quarkus-run.jar" >"$dir/registry.log" 2>&1 &
  echo $! > "$dir/registry.pid"
  for _ in $(seq 1 240); do
    registry_answers "$port" && break
    alive "$dir/registry.pid" || die "schema registry exited during start: see $dir/registry.log"
    sleep 0.5
  done
  registry_answers "$port" || die "schema registry did not answer on 127.0.0.1:$port within 120 s: see $dir/registry.log"
  log "schema registry ready: $SCHEMA_REGISTRY_URL"
}

registry_stop() { stop_process "$STATE/registry/registry.pid" "schema registry"; }

# --- Kafka ------------------------------------------------------------------------------------------
broker_dir() { echo "$ROOT/.deps/kafka-$KAFKA_VERSION"; }

kafka_java() {
  local heap=${KAFKA_HEAP:-512m}
  JAVA_CMD=(java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$STATE/kafka/log4j2.properties" -Dkafka.logs.dir="$STATE/kafka"
    -cp "$(cat "$(broker_dir)/classpath.txt")" "$@")
}

# The broker's log configuration: everything from WARN up into server.log.
kafka_log_config() {
  local dir="$STATE/kafka"
  cat > "$dir/log4j2.properties" <<EOF
appender.file.type=File
appender.file.name=file
appender.file.fileName=$dir/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
logger.kafka.name=kafka
logger.kafka.level=WARN
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
EOF
}

kafka_start() {
  [ -s "$(broker_dir)/classpath.txt" ] || die "Kafka $KAFKA_VERSION jars missing: run scripts/install-deps.sh"
  local dir="$STATE/kafka"
  if alive "$dir/kafka.pid"; then
    log "kafka already running on 127.0.0.1:$KAFKA_PORT"
    return
  fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is already in use: stop what uses it or set KAFKA_PORT to a free port"
  port_open "$KAFKA_CONTROLLER_PORT" &&
    die "port $KAFKA_CONTROLLER_PORT is already in use: stop what uses it or set KAFKA_CONTROLLER_PORT"
  mkdir -p "$dir"
  local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  local inter=PLAINTEXT
  if [ "$SECURE" = 1 ]; then
    # Clients get SASL_SSL only; brokers and the controller keep plaintext listeners of their own.
    listeners="SASL_SSL://127.0.0.1:$KAFKA_PORT,INTERNAL://127.0.0.1:$KAFKA_INTERNAL_PORT"
    protocols="SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"
    inter=INTERNAL
  fi
  cat > "$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
listeners=$listeners,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=$inter
listener.security.protocol.map=$protocols
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
EOF
  if [ "$SECURE" = 1 ]; then
    cat >> "$dir/server.properties" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USERNAME="$KAFKA_SASL_PLAIN_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$STATE/tls/server.p12
ssl.keystore.password=$TLS_PASSWORD
ssl.key.password=$TLS_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=$STATE/tls/ca.pem
listener.name.sasl_ssl.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:$KAFKA_SASL_USERNAME
EOF
  fi
  kafka_log_config
  if [ ! -f "$dir/data/meta.properties" ]; then
    log "kafka: formatting KRaft storage in $dir/data"
    kafka_java kafka.tools.StorageTool random-uuid
    local cluster_id; cluster_id=$("${JAVA_CMD[@]}")
    # KRaft takes SCRAM users at format time (KIP-900): one credential per mechanism.
    local scram=() mechanism
    if [ "$SECURE" = 1 ]; then
      for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
        scram+=(--add-scram "$mechanism=[name=\"$KAFKA_SASL_USERNAME\",password=\"$KAFKA_SASL_PASSWORD\"]")
      done
      scram+=(--add-scram "SCRAM-SHA-512=[name=\"$KAFKA_ACL_USERNAME\",password=\"$KAFKA_ACL_PASSWORD\"]")
    fi
    kafka_java kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$dir/server.properties" "${scram[@]}"
    "${JAVA_CMD[@]}" >"$dir/format.log" 2>&1 || die "kafka storage format failed: see $dir/format.log"
  fi
  kafka_java kafka.Kafka "$dir/server.properties"
  # setsid: the broker outlives this script and ignores the terminal's Ctrl-C; `stop` ends it.
  nohup setsid "${JAVA_CMD[@]}" >"$dir/stdout.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  # Ready means the broker answers a metadata request; creating the topics below checks exactly that.
  for _ in $(seq 1 120); do
    port_open "$KAFKA_PORT" && break
    alive "$dir/kafka.pid" || die "kafka exited during start: see $dir/server.log and $dir/stdout.log"
    sleep 0.5
  done
  port_open "$KAFKA_PORT" || die "kafka did not open 127.0.0.1:$KAFKA_PORT within 60 s: see $dir/server.log"
  # The client settings of `env` (security included) apply to the topics command.
  (set -a && source "$SETTINGS" && "$ROOT/build/clickstream" topics --bootstrap-servers "127.0.0.1:$KAFKA_PORT" \
    --partitions "${KAFKA_PARTITIONS:-4}" --timeout 60) ||
    die "kafka did not become ready: see $dir/server.log"
  log "kafka ready on 127.0.0.1:$KAFKA_PORT"
}

kafka_stop() { stop_process "$STATE/kafka/kafka.pid" kafka; }

cmd=${1:-}
case "$cmd" in
  start)
    load_settings
    [ -x "$ROOT/build/clickstream" ] || die "build/clickstream missing: run make build"
    if [ "$SECURE" = 1 ]; then tls_make; fi
    pg_start
    kafka_start
    ;;
  stop)
    [ -f "$SETTINGS" ] || exit 0
    load_settings
    registry_stop
    kafka_stop
    pg_stop
    ;;
  status)
    [ -f "$SETTINGS" ] || { echo "not started"; exit 0; }
    load_settings
    if alive "$STATE/kafka/kafka.pid"; then echo "kafka: running on 127.0.0.1:$KAFKA_PORT"; else echo "kafka: stopped"; fi
    if alive "$STATE/registry/registry.pid"; then echo "schema registry: running at $SCHEMA_REGISTRY_URL"; fi
    if as_pg "$PG_BIN/pg_ctl" -D "$(pg_dir)/data" status >/dev/null 2>&1; then
      echo "postgres: running on 127.0.0.1:$PG_PORT"
    else
      echo "postgres: stopped"
    fi
    ;;
  kafka-stop) load_settings; kafka_stop ;;
  kafka-start) load_settings; kafka_start ;;
  pg-stop) load_settings; pg_stop ;;
  pg-start) load_settings; pg_start ;;
  pg-pid) load_settings; head -n 1 "$(pg_dir)/data/postmaster.pid" ;;
  registry-start) load_settings; registry_start ;;
  registry-stop) load_settings; registry_stop ;;
  registry-pid) load_settings; cat "$STATE/registry/registry.pid" ;;
  reset)
    if [ -f "$SETTINGS" ]; then
      load_settings
      registry_stop
      kafka_stop
      pg_stop
      rm -rf "$(pg_dir)"
    fi
    rm -rf "$STATE/kafka" "$STATE/registry" "$SETTINGS"
    ;;
  env)
    load_settings
    cat "$SETTINGS"
    ;;
  *)
    echo "usage: scripts/services.sh start|stop|status|env|reset|kafka-stop|kafka-start|pg-stop|pg-start|pg-pid|registry-start|registry-stop|registry-pid" >&2
    exit 2
    ;;
esac
