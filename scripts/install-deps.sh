#!/usr/bin/env bash
# Installs everything clickstream needs to build, test and run, idempotently:
#   - Debian packages (compiler, librdkafka, simdjson, libpq, GoogleTest, Google Benchmark, CLI11, PostgreSQL)
#   - Apache Arrow/Parquet C++ from the pinned pyarrow wheel, in a project-local venv (.deps/venv)
#   - the Apache Kafka broker jars from Maven Central, in a project-local folder (.deps/kafka)
# Each step is skipped when what it installs is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.sh

DEPS=.deps
mkdir -p "$DEPS"

log() { printf '[install] %s\n' "$*"; }

apt_packages=(
  build-essential cmake ninja-build pkg-config python3-venv
  librdkafka-dev libsimdjson-dev libpq-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  postgresql postgresql-client openjdk-17-jre-headless maven
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Arrow/Parquet C++: Debian 12 ships none; the pyarrow wheel carries the shared libraries and headers.
venv="$DEPS/venv"
if ! "$venv/bin/python" -c "import pyarrow, sys; sys.exit(pyarrow.__version__ != '$PYARROW_VERSION')" 2>/dev/null; then
  log "pip: pyarrow==$PYARROW_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "pyarrow==$PYARROW_VERSION"
fi

# Kafka broker: the jars of org.apache.kafka:kafka_2.13 and their dependencies, resolved by Maven.
kafka_dir="$DEPS/kafka-$KAFKA_VERSION"
if [ ! -s "$kafka_dir/classpath.txt" ]; then
  log "maven: kafka_2.13:$KAFKA_VERSION into $kafka_dir"
  mkdir -p "$kafka_dir"
  sed -e "s/@KAFKA_VERSION@/$KAFKA_VERSION/" -e "s/@LOG4J_VERSION@/$LOG4J_VERSION/" \
    scripts/kafka-pom.xml > "$kafka_dir/pom.xml"
  mvn -q -B -f "$kafka_dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$PWD/$kafka_dir/lib" \
    -DincludeScope=runtime
  ls "$PWD/$kafka_dir"/lib/*.jar | tr '\n' ':' > "$kafka_dir/classpath.txt.tmp"
  mv "$kafka_dir/classpath.txt.tmp" "$kafka_dir/classpath.txt"
fi
log "dependencies ready"
