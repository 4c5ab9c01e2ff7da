// The commit protocol's values: what a partition commits to the results store (PartitionCommit, with its
// LateEventRecords and EngineSnapshot), and what claiming a partition finds there (PartitionClaim). The
// stores implement ResultStore (result_store.h) over them: the PostgreSQL adapter (pg::ResultsSink) and
// the in-memory one of the tests.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/types.h"
#include "engine/changes.h"

namespace clickstream {

// A partition engine's saved state and the input offset it is valid at: where the last lake batch
// recorded with the results ends (progress L = S), the point a claim re-reads the partition from after
// restoring the engine. The results store keeps one per partition, replaced by each commit that records
// a lake batch.
struct EngineSnapshot {
  Offset valid_at;    // first offset the state has not seen
  std::string state;  // PartitionEngine::SaveState's bytes
};

// A late event as stored; the partition is the commit's.
struct LateEventRecord {
  Offset offset;
  LateEvent late;
  Watermark watermark;  // REQUIRES: is_set() (an event can only be late behind a watermark)
};

// What one partition commits.
struct PartitionCommit {
  Partition partition;
  int64_t fence = 0;   // from the claim
  Offset next_offset;  // first offset NOT yet processed: a restart resumes here
  Watermark watermark;
  // Result rows changed since the partition's previous commit (their late_events are ignored); nullptr
  // when none. Not owned; must outlive the commit call.
  const Changes* changes = nullptr;
  std::vector<LateEventRecord> late_events;
  // Opaque texts naming lake files written since the partition's previous commit, oldest first.
  std::vector<std::string> lake_batches;
  // Valid where the last lake batch ends; replaces the previous one.
  std::optional<EngineSnapshot> snapshot;
  // The files of every lake batch recorded before this commit are published: their records are deleted.
  bool lake_published = false;
  // Where the partition's results stood in the store before this commit (the previous commit's
  // next_offset, or the claim's). A retried commit that finds next_offset already there (its COMMIT was
  // applied but the acknowledgement lost) is not applied again.
  Offset previous_offset;
};

// What claiming a partition found in the results store.
struct PartitionClaim {
  int64_t fence = 0;                  // pass in every PartitionCommit until the next claim
  std::optional<Offset> next_offset;  // nullopt: never committed, start from the beginning
  Watermark watermark;
  std::optional<EngineSnapshot> snapshot;
  std::vector<std::string> lake_batches;  // batches not known to be published, oldest first
};

// Runs once a commit's rows are written and before they are committed; returns the partitions that must
// not be committed after all (see ResultStore::Commit).
using BeforeCommit = std::function<std::vector<Partition>()>;

}  // namespace clickstream
