# Pinned versions of what scripts/install-deps.sh fetches outside Debian's packages.
PYARROW_VERSION=21.0.0
KAFKA_VERSION=4.1.2
LOG4J_VERSION=2.24.3
