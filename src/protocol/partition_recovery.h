// Recovery of a partition from durable state, on start-up, on taking it over in a rebalance, or after a
// sink failed: claim it in the result store (fence + 1, so no older owner can commit any more), bring
// the lake to exactly the batches recorded there (L), and restore the engine from the snapshot taken
// where the last recorded batch ends (S = L). The caller re-reads the partition from S; each sink then
// takes only offsets at or past its own progress.
//
// Thread safety: uses the store and the lake as their contracts allow (no commit pending on the store).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "common/types.h"
#include "engine/options.h"
#include "engine/partition_engine.h"
#include "protocol/lake_store.h"
#include "protocol/postgres_retry.h"
#include "protocol/result_store.h"

namespace clickstream {

struct RecoveredPartition {
  int64_t fence = 0;
  PartitionEngine engine;
  Offset replay_from;          // S: where the engine's state is valid (0 without a snapshot)
  Offset results_from;         // C: offsets below are in the result store
  bool lake_recorded = false;  // the store may hold published batches: the next commit prunes them
};

// Claims the partition (retried through `retry`), then recovers lake and engine.
// Errors: the claim's (kRefused: stop), a damaged batch record, the lake's.
Result<RecoveredPartition> RecoverPartition(Partition partition, ResultStore& store, LakeStore& lake,
                                            PostgresRetry& retry, const EngineOptions& options);

}  // namespace clickstream
