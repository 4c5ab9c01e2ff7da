#include "protocol/parallel_runner.h"

namespace clickstream {

ParallelRunner::~ParallelRunner() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_.NotifyAll();
  for (std::thread& t : threads_) t.join();
}

void ParallelRunner::Run(size_t n, const std::function<void(size_t)>& task) {
  if (n == 0) return;
  MutexLock lock(mu_);
  while (threads_.size() + 1 < n) threads_.emplace_back([this] { Work(); });
  task_ = &task;
  next_ = 0;
  count_ = n;
  unfinished_ = n;
  work_.NotifyAll();
  RunTasks();
  while (unfinished_ != 0) done_.Wait(mu_);
  task_ = nullptr;
}

void ParallelRunner::RunTasks() {
  while (task_ != nullptr && next_ < count_) {
    const size_t i = next_++;
    const std::function<void(size_t)>& task = *task_;
    {
      MutexUnlock unlocked(mu_);
      task(i);
    }
    if (--unfinished_ == 0) done_.NotifyAll();
  }
}

void ParallelRunner::Work() {
  MutexLock lock(mu_);
  while (true) {
    while (!stopping_ && (task_ == nullptr || next_ >= count_)) work_.Wait(mu_);
    if (stopping_) return;
    RunTasks();
  }
}

}  // namespace clickstream
