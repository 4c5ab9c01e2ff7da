// ParallelRunner: runs a batch of independent tasks at once on long-lived threads, and returns when all
// are done. The pipeline commits its partitions' Kafka transactions with it, so that a commit costs one
// broker round trip rather than one per partition, without starting threads for every commit.
//
// Threads are started as batches need them (a batch of n runs on n - 1 of them plus the caller) and
// kept until destruction. Thread safety: Run is for one thread at a time. Owns its threads.
#pragma once

#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace clickstream {

class ParallelRunner {
 public:
  ParallelRunner() = default;
  ~ParallelRunner();
  ParallelRunner(const ParallelRunner&) = delete;
  ParallelRunner& operator=(const ParallelRunner&) = delete;

  // Calls task(0) ... task(n - 1), all at once, each on its own thread; returns when all returned.
  void Run(size_t n, const std::function<void(size_t)>& task);

 private:
  void Work();
  // Runs tasks of the current batch while any is left unstarted, each without mu_.
  void RunTasks() REQUIRES(mu_);

  Mutex mu_;
  CondVar work_;  // a batch has unstarted tasks, or stopping
  CondVar done_;  // the batch's last task returned
  const std::function<void(size_t)>* task_ GUARDED_BY(mu_) = nullptr;
  size_t next_ GUARDED_BY(mu_) = 0;
  size_t count_ GUARDED_BY(mu_) = 0;
  size_t unfinished_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // Run's thread only (and the destructor's)
};

}  // namespace clickstream
