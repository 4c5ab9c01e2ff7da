// CommitCoordinator: steps 2 and 3 of each commit (the commit sequence: README.md), on one long-lived
// worker beside the consuming thread: the results transaction, whose COMMIT waits for the outcome of the
// partitions' Kafka transactions (PendingCommit::kafka), then publishing the lake files it recorded. The
// consuming thread hands it the next commit only once the previous one is finished.
//
// A commit naming partitions another process claimed since is retried without them (they are listed in
// `fenced`), and so is one whose partitions' Kafka transactions failed (they recover); a retryable failure is
// retried by the shared PostgresRetry (lost acknowledgements included: commits are idempotent); a refused one
// is returned with what to do.
//
// Thread safety: Start, pending, started and Finish are for one thread (the consuming one); the worker
// uses the store, the lake and the retry only between Start and the Finish that returns the commit, so
// the consuming thread may use them (claims) while nothing is pending. Owns its worker thread; the
// store, lake, retry and probe are not owned and must outlive it.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "engine/changes.h"
#include "lake/lake_batch.h"
#include "observability/pipeline_probe.h"
#include "protocol/commit_types.h"
#include "protocol/lake_store.h"
#include "protocol/postgres_retry.h"
#include "protocol/result_store.h"
#include "protocol/wait.h"

namespace clickstream {

// How a commit's Kafka transactions went (committed by the consuming thread).
struct KafkaOutcome {
  std::vector<Partition> failed;  // their results are left out of the commit
  int64_t micros = 0;             // how long the transactions took
};

// One commit: every partition's results since its previous commit, and the lake batches it records.
struct PendingCommit {
  std::chrono::steady_clock::time_point started;
  // Set by the consuming thread once the partitions' Kafka transactions are committed. The results
  // transaction writes its rows meanwhile and waits for it before COMMIT, so results never get ahead of
  // the enriched topic and dead letters (C <= E). Not valid: no Kafka transactions to wait for.
  std::shared_future<KafkaOutcome> kafka;
  // A partition's part: left out as a whole when the partition is.
  struct Entry {
    PartitionCommit commit;
    std::unique_ptr<Changes> changes;  // what commit.changes points to
    std::vector<Batch> batches;        // lake batches the commit records, published after it
  };
  std::vector<Entry> entries;
  std::vector<Partition> fenced;  // set by the coordinator: left out, another process claimed them

  // Adds a partition's commit, the changes it points to and the lake batches it records.
  void Add(PartitionCommit commit, std::unique_ptr<Changes> changes, std::vector<Batch> batches) {
    entries.push_back({std::move(commit), std::move(changes), std::move(batches)});
  }
};

class CommitCoordinator {
 public:
  CommitCoordinator(ResultStore* store, const LakeStore* lake, PostgresRetry* retry, PipelineProbe* probe);
  ~CommitCoordinator();
  CommitCoordinator(const CommitCoordinator&) = delete;
  CommitCoordinator& operator=(const CommitCoordinator&) = delete;

  // Hands the commit to the worker. REQUIRES: !pending().
  void Start(PendingCommit commit);
  // A commit was started and not yet returned by Finish.
  bool pending() const { return pending_; }
  // When the pending commit was started. REQUIRES: pending().
  std::chrono::steady_clock::time_point started() const { return started_; }

  struct Finished {
    PendingCommit commit;  // its entries are those applied (fenced partitions left out)
    Status status;
  };
  // The pending commit once written: waits for it with Wait::kYes, else nullopt while it is being written.
  // nullopt when none is pending.
  std::optional<Finished> Finish(Wait wait);

 private:
  // The results transaction, then the lake files it recorded made visible.
  Status Write(PendingCommit& commit);
  Status CommitToStore(const std::vector<PendingCommit::Entry>& entries, std::vector<Partition>* fenced,
                       const BeforeCommit& before_commit);
  void Work();

  ResultStore* store_;
  const LakeStore* lake_;
  PostgresRetry* retry_;
  PipelineProbe* probe_;
  bool pending_ = false;  // consuming thread only
  std::chrono::steady_clock::time_point started_;

  Mutex mu_;
  CondVar cv_;
  std::optional<PendingCommit> job_ GUARDED_BY(mu_);  // handed to the worker, written, handed back
  std::optional<Status> done_ GUARDED_BY(mu_);        // the outcome of job_ once written
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread worker_;  // last: started once the rest is initialized
};

}  // namespace clickstream
