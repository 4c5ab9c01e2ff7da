// LakeWriteWorker: one long-lived thread writing sealed lake buffers (SealedRows) as hidden files, one at
// a time in the order submitted, so that Parquet encoding and fsyncs stay off the consuming thread
// without a thread per seal.
//
// Thread safety: Submit may be called from any thread. Owns its thread; the destructor writes what was
// submitted, then joins it. The rows submitted are not owned and must live until their future is ready.
#pragma once

#include <deque>
#include <future>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"
#include "lake/lake_batch.h"
#include "protocol/lake_store.h"

namespace clickstream {

class LakeWriteWorker {
 public:
  LakeWriteWorker();
  ~LakeWriteWorker();
  LakeWriteWorker(const LakeWriteWorker&) = delete;
  LakeWriteWorker& operator=(const LakeWriteWorker&) = delete;

  // Queues `rows` to be written; the future holds the written batch or the write's error.
  std::future<Result<Batch>> Submit(SealedRows* rows);

 private:
  void Work();

  Mutex mu_;
  CondVar cv_;
  std::deque<std::packaged_task<Result<Batch>()>> jobs_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread worker_;  // last: started once the rest is initialized
};

}  // namespace clickstream
