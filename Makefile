# clickstream: the entry points. Every target installs and builds what is missing first.
SHELL := /bin/bash
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build docs run test check-thread-safety test-sanitize test-sanitize-asan test-sanitize-tsan bench bench-librdkafka bench-retention bench-replay fuzz services services-stop clean

all: build

deps:
	@bash scripts/install-deps.sh

# Configures once, then rebuilds incrementally.
CONFIGURE := [ -f $(BUILD_DIR)/build.ninja ] || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
build: deps
	@$(CONFIGURE)
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The generated parts of docs/, from the binary: configuration.md (`clickstream help-config`) and the
# metrics table of operations.md (`clickstream help-metrics`, between its GENERATED markers). cli_test
# fails while the committed pages differ.
docs: deps
	@$(CONFIGURE)
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target clickstream
	@$(BUILD_DIR)/clickstream help-config > docs/configuration.md
	@TABLE="$$($(BUILD_DIR)/clickstream help-metrics)" awk '/^<!-- END GENERATED/ { skip = 0 } !skip { print } \
	  /^<!-- BEGIN GENERATED: clickstream help-metrics/ { print ENVIRON["TABLE"]; skip = 1 }' docs/operations.md \
	  > docs/operations.md.new && mv docs/operations.md.new docs/operations.md

# Local Kafka + PostgreSQL (or the ones configured in .env), the producer and the pipeline, until Ctrl-C.
run: build
	@bash scripts/run.sh

# Every test: the locking rules (check-thread-safety), unit tests, then integration tests against a real
# broker and server started for the run, then the unit tests again under the sanitizers (test-sanitize).
test: build
	@$(MAKE) --no-print-directory check-thread-safety
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 900 -j 2
	@$(MAKE) --no-print-directory test-sanitize

# Clang's thread-safety analysis (-Wthread-safety, no code generated) over the sources of src/, tests/ and
# bench/ in the build's compile_commands.json: GUARDED_BY members touched without their mutex, REQUIRES
# functions called without it (src/common/thread_annotations.h). clang-14 is installed on first use.
check-thread-safety: deps
	@$(CONFIGURE)
	@bash scripts/check-thread-safety.sh $(BUILD_DIR)

# The unit tests (ctest -LE integration: everything that needs no server) under AddressSanitizer with
# UBSan, then those whose code runs threads (ctest label "threads", CMake target threaded_unit_tests)
# under ThreadSanitizer (CMake's CLICKSTREAM_SANITIZE), each in its own build folder ($(BUILD_DIR)-asan,
# $(BUILD_DIR)-tsan), building only what they run; the first report fails it.
# hard_rss_limit_mb: a test that runs away with memory fails instead of taking the machine's.
SANITIZE_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:hard_rss_limit_mb=4096 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:hard_rss_limit_mb=4096:suppressions=$(CURDIR)/scripts/tsan.supp
test-sanitize: test-sanitize-asan test-sanitize-tsan
SANITIZE_TARGET_asan := unit_tests
SANITIZE_TESTS_asan := -LE integration
SANITIZE_TARGET_tsan := threaded_unit_tests
SANITIZE_TESTS_tsan := -L threads -LE integration
test-sanitize-asan test-sanitize-tsan: test-sanitize-%: deps
	@[ -f $(BUILD_DIR)-$*/build.ninja ] || cmake -S . -B $(BUILD_DIR)-$* -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCLICKSTREAM_SANITIZE=$* -DCLICKSTREAM_BUILD_BENCHMARKS=OFF >/dev/null
	@cmake --build $(BUILD_DIR)-$* -j $(JOBS) --target $(SANITIZE_TARGET_$*)
	@cd $(BUILD_DIR)-$* && $(SANITIZE_ENV) ctest $(SANITIZE_TESTS_$*) --output-on-failure -j 2

# End-to-end throughput and latency against the raw Kafka limit, on the local services (minutes).
# BENCH_FLAGS passes options, e.g. BENCH_FLAGS="--events 500000 --latency-seconds 20".
# INPUT_FORMAT=avro measures Avro input (with a local schema registry unless SCHEMA_REGISTRY_URL is set).
bench: build
	@bash scripts/services.sh start
	@if [ "$${INPUT_FORMAT:-json}" = avro ] && [ -z "$${SCHEMA_REGISTRY_URL:-}" ]; then bash scripts/services.sh registry-start; fi
	@set -a && source <(bash scripts/services.sh env) && set +a && $(BUILD_DIR)/bench/e2e_benchmark $(BENCH_FLAGS)

# The Kafka client's A/B: bench's end-to-end benchmark RUNS times with Debian 12's librdkafka 2.0.2 and with
# the pinned one, in turns, then the medians side by side (bench/librdkafka_ab.sh).
RUNS ?= 3
bench-librdkafka: build
	@BUILD_DIR=$(BUILD_DIR) RUNS=$(RUNS) BENCH_FLAGS="$(BENCH_FLAGS)" bash bench/librdkafka_ab.sh

# What --results-retention's batched deletes cost concurrent commits, against tables partitioned by day
# (local PostgreSQL, a database of its own; about a minute).
bench-retention: build
	@bash scripts/services.sh start
	@bash bench/retention_benchmark.sh

# `clickstream replay` of 1M producer-like events, 1% of them dated anywhere in years 0001-9999: events/s
# and peak RSS, which must stay under 256 MiB (no services needed).
bench-replay: build
	@$(BUILD_DIR)/bench/replay_benchmark --binary $(BUILD_DIR)/clickstream --work-dir $(BUILD_DIR)/bench/replay $(BENCH_FLAGS)

# The record parser and the RFC 3339 parser under libFuzzer with AddressSanitizer and UBSan, FUZZ_SECONDS
# each (clang-14 is installed on first use).
FUZZ_SECONDS ?= 180
fuzz: deps
	@bash fuzz/run.sh $(FUZZ_SECONDS)

services: build
	@bash scripts/services.sh start

services-stop:
	@bash scripts/services.sh stop

clean:
	rm -rf $(BUILD_DIR)
