# clickstream: the entry points. Every target installs and builds what is missing first.
SHELL := /bin/bash
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build run test bench fuzz services services-stop clean

all: build

deps:
	@bash scripts/install-deps.sh

# Configures once, then rebuilds incrementally.
build: deps
	@[ -f $(BUILD_DIR)/build.ninja ] || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Local Kafka + PostgreSQL (or the ones configured in .env), the producer and the pipeline, until Ctrl-C.
run: build
	@bash scripts/run.sh

# Every test: unit tests, then integration tests against a real broker and server started for the run.
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 900 -j 2

# End-to-end throughput and latency against the raw Kafka limit, on the local services (minutes).
# BENCH_FLAGS passes options, e.g. BENCH_FLAGS="--events 500000 --latency-seconds 20".
bench: build
	@bash scripts/services.sh start
	@set -a && source <(bash scripts/services.sh env) && set +a && $(BUILD_DIR)/bench/e2e_benchmark $(BENCH_FLAGS)

# The parser under libFuzzer with AddressSanitizer (clang-14 is installed on first use).
FUZZ_SECONDS ?= 180
fuzz: deps
	@bash fuzz/run.sh $(FUZZ_SECONDS)

services: build
	@bash scripts/services.sh start

services-stop:
	@bash scripts/services.sh stop

clean:
	rm -rf $(BUILD_DIR)
