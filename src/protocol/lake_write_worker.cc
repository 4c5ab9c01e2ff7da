#include "protocol/lake_write_worker.h"

namespace clickstream {

LakeWriteWorker::LakeWriteWorker() : worker_([this] { Work(); }) {}

LakeWriteWorker::~LakeWriteWorker() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.NotifyAll();
  worker_.join();
}

std::future<Result<Batch>> LakeWriteWorker::Submit(SealedRows* rows) {
  std::packaged_task<Result<Batch>()> job([rows] { return rows->Write(); });
  std::future<Result<Batch>> written = job.get_future();
  {
    MutexLock lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.NotifyAll();
  return written;
}

void LakeWriteWorker::Work() {
  MutexLock lock(mu_);
  while (true) {
    while (!stopping_ && jobs_.empty()) cv_.Wait(mu_);
    if (jobs_.empty()) return;  // stopping, nothing left to write
    std::packaged_task<Result<Batch>()> job = std::move(jobs_.front());
    jobs_.pop_front();
    MutexUnlock unlocked(mu_);
    job();
  }
}

}  // namespace clickstream
