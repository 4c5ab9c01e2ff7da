// ResultsSink: the streaming service's writes to PostgreSQL (SPEC.md sections 5 and 6).
//
// A Commit is ONE transaction holding, for each of the process's Kafka partitions, the result rows that
// changed, its late events, its progress (next offset, watermark), optionally its engine snapshot and
// sealed lake batches. Either all of it is durable or none of it is, so a restart resumes every partition
// exactly where its committed results stop.
//
// Fencing: Claim(p) increments partition p's fence token and returns it with p's stored progress. A
// Commit carrying a token that is no longer the newest writes nothing and fails with StatusCode::kFenced,
// naming every such partition, so a process that lost a partition in a rebalance can never overwrite the
// new owner's results, and can retry its other partitions' commits without it.
//
// Sums over partitions: the engines' page_view_counts and active_users are per partition. They are stored
// per partition (page_view_counts_by_partition, active_users_by_partition) and the visible rows of the keys
// a commit touches are recomputed in the same transaction: the SUM over partitions, final when final in
// every partition that contributed. The recomputation runs under a transaction-scoped advisory lock, so
// processes committing concurrently cannot overwrite a sum with one that misses the other's partials.
//
// Sessions: each changed session is one row of session_history; user_sessions is a view of each user's
// latest one (sql/init-db.sql). Open refuses a database whose user_sessions is still the table of an older
// schema.
//
// Settings: the analytics settings the results were computed with are recorded in the database (table
// analytics_settings, one row). AdoptSettings records a pipeline's own if there are none yet and refuses a
// database holding others, so that no window or session mixes two sets of settings.
//
// Pruning: lake batches are kept only until their files are published (a commit says so for the batches
// of earlier commits), so a claim reads and publishes only what is not yet visible. A window's per-partition
// rows are deleted once every partition of the input topic (see RegisterPartitions) has a watermark past
// the window's end: no partition can change the window again, and its visible row is final and complete.
//
// Retries: a failed Commit has been rolled back, except when the connection broke during COMMIT, when it
// may have been applied. Either way the caller may retry the same commits when the failure is
// retryable() (a broken connection is reopened first): every write is idempotent (absolute values,
// upserts, late events and lake batches inserted once). A kRefused failure (a constraint, a missing
// privilege or table) fails again on every retry.
//
// Thread safety: not thread-safe (one connection); one ResultsSink per thread. Any number of processes may
// use the same database, each owning different partitions. Owns its connection; movable.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "engine/changes.h"
#include "engine/options.h"
#include "postgres/connection.h"
#include "protocol/commit_types.h"

namespace clickstream::pg {

// PartitionCommit, PartitionClaim, LateEventRecord and EngineSnapshot: the commit protocol's values
// (protocol/commit_types.h); a LateEventRecord is a row of late_events.

class ResultsSink {
 public:
  // Connects and checks that sql/init-db.sql was applied (a missing table is a one-line NotFound).
  static Result<ResultsSink> Open(const ConnectionOptions& options);

  // Records `settings` as those of the database's results if it has none yet (one INSERT ... ON CONFLICT DO
  // NOTHING: of processes starting at once, one records theirs and the others compare with it), then
  // compares. Call before the first Claim. Other settings recorded: with `reset`, deletes every result,
  // late event, engine snapshot, recorded lake batch and partition's progress (partitions are then read
  // from their earliest offset) and records `settings`, in one transaction that fences the partitions'
  // owners; without,
  // InvalidArgument naming both settings and the ways on. Returns whether results were deleted.
  Result<bool> AdoptSettings(const EngineOptions& settings, bool reset);

  // Takes ownership of `partition`: increments its fence token, so commits under the previous owner's
  // token fail from now on, and returns the partition's stored progress. Reconnects first if the
  // connection broke.
  Result<PartitionClaim> Claim(Partition partition);

  // The partition's current fence token (0 if never claimed). Equal to the one a process holds the
  // partition's state under: nobody claimed it since, so that process may go on with its state.
  Result<int64_t> Fence(Partition partition);

  // Gives each partition of the input topic, 0 to `count` - 1, a progress row if it has none, so that
  // per-partition window rows are pruned only once every partition's watermark passed them.
  Status RegisterPartitions(int32_t count);

  // Writes all `commits` in one transaction. Only the rows given are written.
  // REQUIRES: distinct partitions, each claimed (its fence from the latest Claim).
  // Reconnects first if the connection broke.
  // `before_commit`, if given, runs once the rows are written and before COMMIT, and returns partitions
  // that must not be committed after all (the pipeline waits there for the partitions' Kafka
  // transactions, which the results may not overtake); if it names any of `commits`, the transaction is
  // rolled back and they are reported as fenced.
  // Errors: kFenced when a fence is no longer current: nothing is written, and `fenced` (if given) lists
  // every such partition (stop processing them; the other commits may be retried without them);
  // kUnavailable when the server failed (retry); kRefused when it refused the rows (do not retry).
  Status Commit(const std::vector<const PartitionCommit*>& commits, std::vector<Partition>* fenced = nullptr,
                const BeforeCommit& before_commit = nullptr);
  // The same, for commits held side by side.
  Status Commit(const std::vector<PartitionCommit>& commits, std::vector<Partition>* fenced = nullptr,
                const BeforeCommit& before_commit = nullptr);

  // Opens a new connection, for after the server went away. Fence tokens stay valid.
  Status Reconnect();

 private:
  ResultsSink(ConnectionOptions options, Connection conn)
      : options_(std::move(options)), conn_(std::move(conn)) {}
  Status EnsureConnected();
  // Begins the transaction and writes `commits` into it, without committing.
  Status BeginAndWrite(const std::vector<const PartitionCommit*>& commits, std::vector<Partition>* fenced);
  // kFenced naming those of `commits` in `left_out` (added to `fenced`), if any.
  static Status LeaveOut(const std::vector<const PartitionCommit*>& commits,
                         const std::vector<Partition>& left_out, std::vector<Partition>* fenced);

  ConnectionOptions options_;
  Connection conn_;
};

}  // namespace clickstream::pg
