#include "protocol/partition_recovery.h"

#include <string>
#include <vector>

namespace clickstream {

Result<RecoveredPartition> RecoverPartition(Partition partition, ResultStore& store, LakeStore& lake,
                                            PostgresRetry& retry, const EngineOptions& options) {
  PartitionClaim claim;
  CS_RETURN_NOT_OK(retry.Run("claim of partition " + std::to_string(partition.id()), [&] {
    CS_ASSIGN_OR_RETURN(claim, store.Claim(partition));
    return Status::OK();
  }));
  std::vector<Batch> batches;
  for (const auto& text : claim.lake_batches) {
    CS_ASSIGN_OR_RETURN(Batch b, Batch::Parse(text));
    batches.push_back(std::move(b));
  }
  CS_RETURN_NOT_OK(lake.Recover(partition, batches));

  RecoveredPartition out{claim.fence, PartitionEngine(options), Offset(0),
                         claim.next_offset.value_or(Offset(0)), !batches.empty()};
  if (claim.snapshot) {
    CS_ASSIGN_OR_RETURN(out.engine, PartitionEngine::Restore(claim.snapshot->state, options));
    out.replay_from = claim.snapshot->valid_at;
  }
  return out;
}

}  // namespace clickstream
