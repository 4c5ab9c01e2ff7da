// Settings of the streaming service (`clickstream run`). Every field has a flag and an environment
// variable of the same meaning; see src/cli/run_command.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/options.h"
#include "kafka/client_config.h"
#include "postgres/connection.h"
#include "registry/schema_registry.h"

namespace clickstream {

enum class InputFormat : uint8_t {
  kJson,  // JSON objects (SPEC.md section 1)
  kAvro,  // Avro in the Confluent wire format, writer schemas from a schema registry (engine/avro_parser.h)
};

struct PipelineOptions {
  // Brokers, security and extra properties every Kafka client of the pipeline starts from.
  kafka::ClientOptions kafka;
  // Consumer group: processes with the same group id split the input partitions between them.
  std::string group_id = "clickstream";
  // Static group membership (Kafka's group.instance.id): a process restarted with the same id gets its
  // partitions back at once instead of after the session timeout. Unique per process (with several
  // threads, each adds "-<thread>"); empty = dynamic.
  std::string instance_id;
  // Consumers of the group in this process, each on its own thread with its own partitions, engines,
  // producers, PostgreSQL connection and lake writer. Parallelism is capped by the input partitions.
  int threads = 1;
  // A member that stops heartbeating (crash) loses its partitions after this long, in milliseconds.
  int session_timeout_ms = 10000;
  // Input topic of events.
  std::string input_topic = "user_activity";
  // How its records are encoded.
  InputFormat input_format = InputFormat::kJson;
  // Where Avro input's writer schemas come from (unused for JSON). A registry that does not answer makes
  // the partition wait and re-read from its last commit; it never rejects records.
  SchemaRegistryOptions schema_registry;
  // Every valid event plus processing_time and is_late, written transactionally.
  std::string enriched_topic = "enriched_activity";
  // Rejected records, unchanged, with the reason in headers.
  std::string dlq_topic = "user_activity_dlq";

  // How often results, offsets and the enriched topic are committed, in milliseconds of reading: a commit
  // starts once records were read this long since the previous commit's Kafka transactions (which pause
  // reading) and the previous results transaction finished (so under load commits grow instead of
  // queueing). Results show up in PostgreSQL about one commit duration plus this long after they
  // arrive; shorter means more, smaller transactions (one Kafka transaction per partition each time).
  int commit_interval_ms = 10;
  // The freshness budget, in milliseconds: while the records read arrived this long ago or longer (a
  // backlog), commits are spaced this far apart, so each covers more input and writes each changed session
  // or window once (protocol/commit_cadence.h); otherwise they follow commit_interval_ms. 0 = always
  // commit_interval_ms.
  int max_result_delay_ms = 1000;
  // How often a status line is printed to stderr, in seconds; 0 disables it.
  int status_interval_s = 5;
  // How long to wait for Kafka or PostgreSQL at start and per retry, in milliseconds.
  int timeout_ms = 30000;

  // Root of the Parquet lake (event_date=YYYY-MM-DD/ folders are created below it).
  std::string lake_dir = "lake";
  // A partition's lake buffer is written as files once it holds this many bytes (uncompressed; about
  // 90k events, a Parquet file of 2-3 MB). The buffers are most of the process's memory.
  int64_t lake_roll_bytes = int64_t{8} << 20;
  // ... or once its oldest row is this old, in seconds. Also bounds how much a restart re-reads.
  int lake_roll_age_s = 300;
  // Permissions of lake files and of the directories the pipeline creates: not world-readable.
  unsigned lake_file_mode = 0640;
  unsigned lake_dir_mode = 0750;

  // An event whose event_time is more than this many seconds ahead of its Kafka record's timestamp is
  // rejected (future_event_time): a producer with a wrong clock would otherwise move its partition's
  // watermark past every real event.
  int max_future_s = 24 * 3600;

  pg::ConnectionOptions db;
  // The analytics settings. The database records those its results were computed with, and a pipeline
  // with others refuses it (pg::ResultsSink::AdoptSettings) ...
  EngineOptions engine;
  // ... unless this is set: then the results computed with other settings are deleted and computed anew
  // from the earliest input in Kafka.
  bool reset_results = false;
  // How long results are kept, in event time, after their window or session ended (and late events after
  // their event time), behind the watermark horizon (postgres/results_retention.h); nullopt: forever.
  std::optional<Duration> results_retention;
};

}  // namespace clickstream
