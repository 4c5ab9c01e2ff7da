// The streaming service: Kafka in; PostgreSQL, the Parquet lake and the enriched topic out, exactly once.
//
// Each input partition assigned to this process gets an engine, a Kafka transaction (enriched events
// and dead letters) and a fencing token in PostgreSQL, and is committed by the commit protocol of
// src/protocol (its README.md states the invariant L <= C <= E and the commit sequence): PartitionSet
// orchestrates the owned partitions through the ResultStore, LakeStore, PartitionTransactions,
// RecordSource and Clock interfaces. This class keeps the Kafka consumer, the parsing of records, the
// poll loop and the wiring of the adapters (service/postgres_result_store.h, lake_writer_store.h,
// kafka_partition_transactions.h, kafka_record_source.h) into it.
//
// Thread safety: Run() drives everything from the calling thread (with helper threads of its own for
// commits and lake writes); `stop` is polled, so it may read a flag set by a signal handler or another
// thread. A process may run several pipelines of one group, each on its own thread
// (service/pipeline_threads.h): they share nothing but the input topic's group, like processes do.
#pragma once

#include <functional>
#include <memory>

#include "common/status.h"
#include "observability/pipeline_probe.h"
#include "service/pipeline_options.h"

namespace clickstream {

class Pipeline {
 public:
  // Validates options and connects to Kafka and PostgreSQL; one-line errors name what to fix. `thread`
  // (0 <= thread < options.threads) tells this pipeline's clients apart from the process's others.
  static Result<std::unique_ptr<Pipeline>> Start(const PipelineOptions& options, int thread,
                                                 PipelineProbe* probe);
  ~Pipeline();

  // Consumes until `stop()` returns true, then commits what was processed and leaves the group.
  Status Run(const std::function<bool()>& stop);

 private:
  class Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clickstream
