#include "protocol/partition_task.h"

#include "common/check.h"

namespace clickstream {
namespace {

// L <= C <= E: the order every output's progress keeps; anything else loses or duplicates output.
void CheckOrder(Partition p, Offset lake, Offset results, Offset kafka) {
  CS_CHECK(lake <= results && results <= kafka)
      << "partition " << p.id() << ": progress out of order: lake " << lake.value() << ", results "
      << results.value() << ", kafka " << kafka.value();
}

}  // namespace

PartitionTask::PartitionTask(Partition partition, RecoveredPartition recovered, Offset kafka_from)
    : partition_(partition),
      fence_(recovered.fence),
      engine_(std::move(recovered.engine)),
      next_(recovered.replay_from),
      results_from_(recovered.results_from),
      kafka_from_(kafka_from),
      kafka_committed_(kafka_from),
      db_committed_(recovered.results_from),
      replaying_(recovered.replay_from < recovered.results_from),
      lake_recorded_(recovered.lake_recorded) {}

void PartitionTask::CatchUp(Offset offset) {
  if (!replaying_ || offset < results_from_) return;
  Changes written;
  engine_.TakeChanges(&written);
  replaying_ = false;
}

Admission PartitionTask::Admit(Offset offset, const Event& event) {
  const Watermark before = engine_.watermark();
  const Admission admission = engine_.Add(event);
  if (admission.late && WritesResults(offset)) {
    late_.push_back({offset, LateEvent{event, admission.lateness}, before});
  }
  return admission;
}

void PartitionTask::Handled(Offset offset) {
  next_ = offset.Next();
  CatchUp(next_);
}

std::optional<PartitionCommit> PartitionTask::TakeCommit(const Changes* changes,
                                                         const std::vector<Batch>& written,
                                                         std::optional<EngineSnapshot> snapshot) {
  if (next_ == db_committed_ && changes->empty() && late_.empty() && !snapshot) return std::nullopt;
  // Its Kafka transaction commits up to next_ before these results do (the coordinator waits for it).
  CheckOrder(partition_, snapshot ? snapshot->valid_at : db_committed_, next_, next_);
  PartitionCommit commit{partition_,     fence_,           next_, engine_.watermark(),
                         changes,        std::move(late_), {},    std::move(snapshot),
                         lake_recorded_, db_committed_};
  late_.clear();
  for (const Batch& batch : written) commit.lake_batches.push_back(batch.Serialize());
  return commit;
}

bool PartitionTask::Committed(const PartitionCommit& commit, bool recorded_batches) {
  CheckOrder(partition_, db_committed_, commit.next_offset, kafka_committed_);
  const bool moved = commit.next_offset > db_committed_;
  db_committed_ = commit.next_offset;
  lake_recorded_ = recorded_batches || (lake_recorded_ && !commit.lake_published);
  return moved;
}

}  // namespace clickstream
