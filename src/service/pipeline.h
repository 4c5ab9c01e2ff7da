// The streaming service: Kafka in; PostgreSQL, the Parquet lake and the enriched topic out, exactly once.
//
// Each input partition assigned to this process gets an engine, a transactional producer (enriched
// events and dead letters) and a fencing token in PostgreSQL. Every commit interval, per partition:
//   1. the Kafka transaction is committed with the partition's consumer offset (enriched + DLQ records
//      and the group offset become visible together: progress E);
//   2. one PostgreSQL transaction writes the changed results of all partitions with each partition's
//      offset (progress C), and, for a sealed lake buffer whose hidden files have been written (in the
//      background, since the seal), the batch and the engine snapshot taken where it ends (L = S <= C);
//   3. recorded lake files are renamed to their visible names.
// Steps 2 and 3 run on the commit coordinator's thread while the next records are consumed; the next
// commit starts once they are done.
// So L <= C <= E always holds. On restart (or when a partition moves to another process) the partition
// is claimed (fence + 1), the lake is recovered to exactly L, the engine is restored from the snapshot
// at S = L, and the partition is re-read from S: each sink receives only offsets at or past its own
// progress, so nothing is written twice and nothing is skipped.
//
// The protocol lives beside it: PartitionSet orchestrates the owned partitions' commits, seals,
// recoveries and rebalances over PartitionTask, RecoverPartition and CommitCoordinator, through the
// ResultStore, LakeStore, PartitionTransactions, RecordSource and Clock interfaces; this class keeps the
// Kafka consumer, the parsing of records, the poll loop and the wiring.
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
