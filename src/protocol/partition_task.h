// PartitionTask: what the service holds of one claimed input partition besides its clients: the engine,
// the progress offsets, the late events awaiting the next commit.
//
// Offsets (each the first offset NOT covered; README.md): next, processed by the engine (and appended
// to the lake buffer); kafka_committed, E; db_committed, C; a snapshot's, L = S. TakeCommit checks the
// invariant L <= C <= E <= next and stops the process on a violation.
// After a recovery the partition is re-read from S; offsets below the claimed C (E) are not written to
// the results (topics) again: WritesResults / WritesKafka say which sinks take an offset.
//
// Thread safety: none; the consuming thread's. Movable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/types.h"
#include "engine/changes.h"
#include "engine/partition_engine.h"
#include "lake/lake_batch.h"
#include "protocol/commit_types.h"
#include "protocol/partition_recovery.h"

namespace clickstream {

class PartitionTask {
 public:
  // Resumes from `recovered`; the enriched topic holds the partition's records below `kafka_from` (E).
  PartitionTask(Partition partition, RecoveredPartition recovered, Offset kafka_from);

  Partition partition() const { return partition_; }
  int64_t fence() const { return fence_; }
  PartitionEngine& engine() { return engine_; }
  const PartitionEngine& engine() const { return engine_; }
  Offset next() const { return next_; }
  Offset db_committed() const { return db_committed_; }
  Offset kafka_from() const { return kafka_from_; }
  Offset results_from() const { return results_from_; }
  // Re-reading offsets whose results the store already holds: nothing to commit yet.
  bool replaying() const { return replaying_; }
  bool lake_recorded() const { return lake_recorded_; }

  bool Processed(Offset offset) const { return offset < next_; }
  bool WritesKafka(Offset offset) const { return offset >= kafka_from_; }
  bool WritesResults(Offset offset) const { return offset >= results_from_; }

  // Ends the replay once `offset` reached what the store does not hold (a gap may jump past it): the
  // changes so far are already written.
  void CatchUp(Offset offset);
  // Adds the event read at `offset` to the engine; a late one is kept for the results if they take it.
  Admission Admit(Offset offset, const Event& event);
  // The record at `offset` is handled by every sink. REQUIRES: !Processed(offset).
  void Handled(Offset offset);

  // The Kafka transaction should be committed with the consumer offset next().
  bool KafkaDue() const { return !replaying_ && next_ > kafka_committed_; }
  // It was: E = next.
  void KafkaCommitted() { kafka_committed_ = next_; }

  // The partition's part of the next results commit: the engine's `changes` (taken by the caller, before
  // the snapshot; must outlive the commit), late events, lake batches `written` and their `snapshot`.
  // nullopt when nothing changed since the previous commit. REQUIRES: !replaying(); the commit is applied
  // only once E is committed up to next() (Committed checks it).
  std::optional<PartitionCommit> TakeCommit(const Changes* changes, const std::vector<Batch>& written,
                                            std::optional<EngineSnapshot> snapshot);
  // `commit` (which recorded lake batches if `recorded_batches`) is durable. True when it moved C.
  bool Committed(const PartitionCommit& commit, bool recorded_batches);

 private:
  Partition partition_;
  int64_t fence_;
  PartitionEngine engine_;
  Offset next_;
  Offset results_from_;  // C at claim time
  Offset kafka_from_;    // E at claim time
  Offset kafka_committed_;
  Offset db_committed_;
  std::vector<LateEventRecord> late_;
  bool replaying_;
  bool lake_recorded_;  // the store may hold published lake batches: the next commit prunes them
};

}  // namespace clickstream
