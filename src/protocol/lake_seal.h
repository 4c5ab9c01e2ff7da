// LakeSeal: a partition's sealed lake buffer while its hidden files are written by the lake write
// worker. The first commit after the write records the batch together with the engine snapshot taken
// where it ends (progress L); until then the files are invisible, and a crash leaves only hidden files
// that the next claim deletes. A failed write (a full disk) is retried after a backoff, the rows kept.
//
// Thread safety: one thread (the consuming one); the write runs on the worker's thread, or without a
// worker on the consuming thread when the seal is collected (a fixed order of durable steps, for
// tests). Not movable: the write refers to the rows. The destructor waits for a write submitted. The
// worker is not owned and must outlive the seal.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/types.h"
#include "lake/lake_batch.h"
#include "protocol/backoff.h"
#include "protocol/lake_store.h"
#include "protocol/lake_write_worker.h"
#include "protocol/wait.h"

namespace clickstream {

class LakeSeal {
 public:
  // Starts writing `rows`, whose offsets end before `end`, where the engine's state was `snapshot`, on
  // `worker` (null: when collected).
  LakeSeal(std::unique_ptr<SealedRows> rows, Offset end, std::string snapshot, RetryPolicy retry,
           LakeWriteWorker* worker);
  ~LakeSeal();
  LakeSeal(const LakeSeal&) = delete;
  LakeSeal& operator=(const LakeSeal&) = delete;

  struct Written {
    Batch batch;
    Offset end;            // first offset after the batch: the snapshot is valid there
    std::string snapshot;  // engine state at `end`
  };
  // The written batch and its snapshot, once the write is done; nullopt while it is not (with Wait::kYes,
  // waits). A write that failed is started again once its backoff passed (with Wait::kYes, at once).
  // Errors: the write's; it is retried by a later call, after last_backoff().
  Result<std::optional<Written>> Collect(Wait wait);

  // Failed writes so far.
  int failures() const { return failures_; }
  // The wait before the retry of the last failed write.
  std::chrono::milliseconds last_backoff() const { return last_backoff_; }

 private:
  void Write();

  std::unique_ptr<SealedRows> rows_;
  Offset end_;
  std::string snapshot_;
  Backoff retry_;
  LakeWriteWorker* worker_;
  int failures_ = 0;
  std::chrono::milliseconds last_backoff_{0};
  std::chrono::steady_clock::time_point retry_at_;
  std::future<Result<Batch>> written_;  // invalid after a failure
};

}  // namespace clickstream
