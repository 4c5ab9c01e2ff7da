// ParallelRunner: runs a batch of independent tasks at once on long-lived threads, and returns when all
// are done. The pipeline commits its partitions' Kafka transactions with it, so that a commit costs one
// broker round trip rather than one per partition, without starting threads for every commit.
//
// Threads are started as batches need them (a batch of n runs on n - 1 of them plus the caller) and
// kept until destruction. Thread safety: Run is for one thread at a time. Owns its threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

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
  // Runs tasks of the current batch while any is left unstarted. REQUIRES: `lock` holds mu_.
  void RunTasks(std::unique_lock<std::mutex>& lock);

  std::mutex mu_;
  std::condition_variable work_;                       // a batch has unstarted tasks, or stopping
  std::condition_variable done_;                       // the batch's last task returned
  const std::function<void(size_t)>* task_ = nullptr;  // guarded by mu_, with next_, count_, unfinished_
  size_t next_ = 0;
  size_t count_ = 0;
  size_t unfinished_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace clickstream
