// EngineSnapshot: a partition engine's saved state and the input offset it is valid at: where the last
// lake batch recorded with the results ends (progress L = S), the point a claim re-reads the partition
// from after restoring the engine. The results store keeps one per partition, replaced by each commit
// that records a lake batch.
//
// Thread safety: a plain value.
#pragma once

#include <string>

#include "common/types.h"

namespace clickstream::pg {

struct EngineSnapshot {
  Offset valid_at;    // first offset the state has not seen
  std::string state;  // PartitionEngine::SaveState's bytes
};

}  // namespace clickstream::pg
