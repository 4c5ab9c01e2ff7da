#include "protocol/parallel_runner.h"

#include "common/check.h"

namespace clickstream {

ParallelRunner::~ParallelRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ParallelRunner::Run(size_t n, const std::function<void(size_t)>& task) {
  if (n == 0) return;
  std::unique_lock lock(mu_);
  while (threads_.size() + 1 < n) threads_.emplace_back([this] { Work(); });
  task_ = &task;
  next_ = 0;
  count_ = n;
  unfinished_ = n;
  work_.notify_all();
  RunTasks(lock);
  done_.wait(lock, [this] { return unfinished_ == 0; });
  task_ = nullptr;
}

void ParallelRunner::RunTasks(std::unique_lock<std::mutex>& lock) {
  CS_DCHECK(lock.owns_lock() && lock.mutex() == &mu_) << "RunTasks without mu_";
  while (task_ != nullptr && next_ < count_) {
    const size_t i = next_++;
    const std::function<void(size_t)>& task = *task_;
    lock.unlock();
    task(i);
    lock.lock();
    if (--unfinished_ == 0) done_.notify_all();
  }
}

void ParallelRunner::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || (task_ != nullptr && next_ < count_); });
    if (stopping_) return;
    RunTasks(lock);
  }
}

}  // namespace clickstream
