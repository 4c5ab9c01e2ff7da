#include "protocol/lake_write_worker.h"

namespace clickstream {

LakeWriteWorker::LakeWriteWorker() : worker_([this] { Work(); }) {}

LakeWriteWorker::~LakeWriteWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

std::future<Result<Batch>> LakeWriteWorker::Submit(SealedRows* rows) {
  std::packaged_task<Result<Batch>()> job([rows] { return rows->Write(); });
  std::future<Result<Batch>> written = job.get_future();
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
  return written;
}

void LakeWriteWorker::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left to write
    std::packaged_task<Result<Batch>()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace clickstream
