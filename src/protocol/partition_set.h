// PartitionSet: the input partitions this member of the consumer group owns, and how it commits them.
// It holds each owned partition's task, Kafka transaction and sealed lake buffer, and runs the commit
// sequence of README.md over them (the Kafka transactions here, the results on the commit coordinator);
// one lake buffer sealed per commit, partitions taking turns, with reading paused while a buffer is full
// behind a write; a partition whose sink failed, or that another process claimed, recovered from
// durable state once its backoff passed and only while assigned; on a rebalance, revoked partitions
// committed and kept until the assignment says whether they come back unclaimed.
//
// It depends on interfaces only (ResultStore, LakeStore, PartitionTransactions, RecordSource, Clock):
// the pipeline wires PostgreSQL, the Parquet lake and librdkafka into it and feeds it records from its
// poll loop; the crash-point and schedule tests drive the same class over in-memory fakes.
//
// Thread safety: the consuming thread's (the rebalance callback included); the coordinator's worker and
// lake writes run on their own threads. The stores, the source, the clock, the retry and the probe are
// not owned and must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "engine/options.h"
#include "engine/parser.h"
#include "observability/pipeline_probe.h"
#include "protocol/backoff.h"
#include "protocol/clock.h"
#include "protocol/commit_coordinator.h"
#include "protocol/lake_seal.h"
#include "protocol/lake_store.h"
#include "protocol/lake_write_worker.h"
#include "protocol/outage_tracker.h"
#include "protocol/parallel_runner.h"
#include "protocol/partition_state.h"
#include "protocol/partition_task.h"
#include "protocol/partition_transaction.h"
#include "protocol/postgres_retry.h"
#include "protocol/record_source.h"
#include "protocol/record_view.h"
#include "protocol/result_store.h"
#include "protocol/wait.h"

namespace clickstream {

// What a commit seals of the lake buffers: those due (by size or age, one at a time), or all of them,
// waited for (a graceful stop).
enum class CommitSeal : bool { kDue, kAll };

struct PartitionSetOptions {
  EngineOptions engine;
  std::string input_topic = "user_activity";  // named in dead letters' headers
  std::string enriched_topic = "enriched_activity";
  std::string dlq_topic = "user_activity_dlq";
  // Recoveries of a partition and retries of a lake write: about 1 s, 2 s, 4 s ... 30 s.
  RetryPolicy recovery_backoff{.initial = std::chrono::seconds(1), .max = std::chrono::seconds(30)};
  // A fenced partition is claimed back only if still assigned this long after (the session timeout).
  std::chrono::milliseconds fenced_wait{0};
  // Sealed buffers written by a worker thread; without, each is written when the next commit collects it
  // (a fixed order of durable steps, for tests).
  bool write_seals_in_background = true;
};

class PartitionSet {
 public:
  using SteadyClock = std::chrono::steady_clock;

  // Everything the member holds for one owned partition: its task, and its clients' state.
  struct Owned {
    explicit Owned(PartitionTask t) : task(std::move(t)) {}

    PartitionTask task;
    std::unique_ptr<PartitionTransaction> transaction;
    PartitionState state = PartitionState::kReading;  // changed by Transition only
    // Its reading paused at the source while its lake buffer is full behind a write in progress; a break
    // leaves it paused until the state is released.
    bool paused = false;
    int recoveries = 0;                  // recoveries since it last committed: each waits longer
    SteadyClock::time_point recover_at;  // when broken: not recovered before this
    std::optional<LakeSeal> seal;        // its lake buffer sealed, being written
  };

  PartitionSet(PartitionSetOptions options, ResultStore* store, LakeStore* lake,
               PartitionTransactions* transactions, RecordSource* source, const Clock* clock,
               PostgresRetry* retry, PipelineProbe* probe);
  PartitionSet(const PartitionSet&) = delete;
  PartitionSet& operator=(const PartitionSet&) = delete;

  // The group assigns the partitions: each gets the state kept at its revocation if nobody claimed it
  // since, else is claimed now (the claims together, see Claim). Returns a status for each, in order:
  // the claim's error, after which the partition is broken, for RecoverBroken or another Assign.
  std::vector<Status> Assign(const std::vector<Partition>& partitions);
  // The assignment is complete: states kept of partitions that went to other members are released.
  void ReleaseKept();
  // The group revokes the partitions: what was processed is committed; their states are kept for the
  // next assignment unless the commit failed or the source lost them. Errors: the commit's.
  Status Revoke(const std::vector<Partition>& partitions);

  // The partition's state if the record at `offset` is to be handled: owned, working, not processed yet
  // (a re-delivery after a seek is not). Ends the replay once the record is past what the store holds.
  Owned* Begin(Partition partition, Offset offset);
  // Adds the record read at `offset` (`original`, parsed as `outcome`) to the sinks that take it: an
  // event to the engine, the lake buffer and the enriched topic; a rejection to the dead letters, with
  // headers saying why and where from. `now`: its processing time. Errors: a sink's. REQUIRES: Begin
  // returned `owned` for `offset`.
  Status Add(Owned& owned, Offset offset, const ParseOutcome& outcome, const RecordView& original,
             EventTime now);
  // The record at `offset` was added to every sink (`st` OK), or a sink failed: the partition breaks.
  void End(Owned& owned, Offset offset, const Status& st);
  // The partition (reading) breaks: it recovers from durable state after its backoff.
  void Break(Owned& owned, SteadyClock::duration at_least = {});

  // Hands every partition's results to the coordinator, then commits the partitions' Kafka transactions,
  // which the results transaction waits for before its COMMIT; with
  // CommitSeal::kAll, every lake buffer is sealed and waited for too (graceful stop). Errors: a lake
  // write's at a graceful stop, or a Kafka refusal (the process stops). REQUIRES: no commit pending.
  Status StartCommit(CommitSeal seal);
  // Takes in the pending commit's outcome: waits for it, or with Wait::kNo only if it is done. True
  // when a commit finished. Errors: the coordinator's (the process stops).
  Result<bool> FinishCommit(Wait wait);
  // StartCommit and wait for the outcome.
  Status CommitNow(CommitSeal seal);
  bool commit_pending() const { return committer_.pending(); }
  // When the pending commit started. REQUIRES: commit_pending().
  SteadyClock::time_point commit_started() const { return committer_.started(); }
  // When the last commit pass started (construction, before the first).
  SteadyClock::time_point last_start() const { return last_start_; }
  // When reading resumed after the last commit pass's Kafka transactions (construction, before the first).
  SteadyClock::time_point reading_since() const { return reading_since_; }

  // A broken partition's backoff passed.
  bool RecoveryDue() const;
  // Claims again each broken partition whose backoff passed, if still assigned, and reads it on from
  // its replay point. REQUIRES: no commit pending. Errors: a permanent PostgreSQL error (the process
  // stops); other failures leave the partition broken.
  Status RecoverBroken();

  const std::map<int32_t, std::unique_ptr<Owned>>& partitions() const { return partitions_; }

  // The Kafka broker's outage, as the partitions' transactions and claims notice it: started by a Kafka
  // commit that failed for a reason that may pass, ended by one that succeeded.
  OutageTracker& kafka_outage() { return kafka_outage_; }

 private:
  // Claims the partitions: their states recovered from the store one after the other, their
  // transactions started all at once, then their group offsets read. Returns a status for each, in
  // order; (*out)[i] is the claimed state where it is OK.
  std::vector<Status> Claim(const std::vector<Partition>& partitions,
                            std::vector<std::unique_ptr<Owned>>* out);
  // The state kept of the partition at its revocation, if nobody claimed it since (its fence is
  // unchanged); else null, and the kept state is released.
  std::unique_ptr<Owned> Kept(Partition p);
  // The partition whose lake buffer should be sealed now, the first due after the last one sealed.
  std::optional<int32_t> NextToSeal(EventTime now) const;
  // Commits the Kafka transactions of `due` (their records and input offsets, up to next()); a partition
  // whose transaction failed breaks. A refusal (authorization) is also set in *refused, for the process
  // to stop.
  KafkaOutcome CommitKafka(const std::vector<Owned*>& due, Status* refused);
  // Starts writing the partition's lake buffer, if it holds rows.
  void StartSeal(Owned& owned);
  // Moves the partition's written lake batch and its snapshot into the commit being built, if the write
  // is done; with Wait::kYes, waits for it. A failed write is retried later (the rows are kept), or with
  // Wait::kYes returned (the process stops; the next owner re-reads the rows).
  Status CollectSeal(Owned& owned, Wait wait, std::vector<Batch>* written,
                     std::optional<EngineSnapshot>* snapshot);
  enum class Pause : bool { kNo, kYes };
  // Stops (kYes) or resumes (kNo) reading the partition: backpressure from the lake.
  void SetPaused(Owned& owned, Pause pause);
  // Releases what the member holds for the partition besides its state: lake buffer, paused reading.
  // The state is released, to be destroyed.
  void Forget(Owned& owned);
  // An empty broken state in place of a dropped one, recovered after `at_least` at the soonest.
  std::unique_ptr<Owned> Dropped(Partition p, int recoveries, SteadyClock::duration at_least = {});

  const PartitionSetOptions options_;
  ResultStore* store_;
  LakeStore* lake_;
  PartitionTransactions* transactions_;
  RecordSource* source_;
  const Clock* clock_;
  PostgresRetry* retry_;
  PipelineProbe* probe_;
  OutageTracker kafka_outage_{Server::kKafka, probe_};
  Backoff recovery_backoff_{options_.recovery_backoff};  // spaces the recoveries of broken partitions
  // Writes the seals; destroyed after the partitions' states (their seals wait for their writes).
  std::optional<LakeWriteWorker> seal_writer_;
  std::map<int32_t, std::unique_ptr<Owned>> partitions_;
  // Partitions revoked by the current rebalance whose states are kept until the next assignment.
  std::map<int32_t, std::unique_ptr<Owned>> revoked_;
  int32_t last_sealed_ = -1;
  std::string scratch_;  // an enriched record being written
  SteadyClock::time_point last_start_ = SteadyClock::now();
  SteadyClock::time_point reading_since_ = last_start_;
  ParallelRunner kafka_committer_;  // the partitions' Kafka commits and transaction starts, concurrently
  // Writes commits on its own thread; destroyed (its worker joined) before the partitions' states.
  CommitCoordinator committer_;
};

}  // namespace clickstream
