// RetentionWorker: the results retention of `clickstream run --results-retention` (see
// postgres/results_retention.h for what is deleted and why it is safe), a pass every `interval` on a
// thread and a PostgreSQL connection of its own, beside the pipeline and independent of it: a failed pass
// (the server away) is logged and retried at the next interval, and never stops the pipeline.
//
// Thread safety: owns its thread; the destructor stops a pass between two batches and joins it. The probe
// must outlive the worker.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "common/mutex.h"
#include "common/types.h"
#include "observability/pipeline_probe.h"
#include "postgres/connection.h"

namespace clickstream {

class RetentionWorker {
 public:
  // Starts the thread; the first pass runs at once. REQUIRES: retention > 0.
  RetentionWorker(pg::ConnectionOptions db, Duration retention, std::chrono::milliseconds interval,
                  RetentionProbe* probe);
  ~RetentionWorker();
  RetentionWorker(const RetentionWorker&) = delete;
  RetentionWorker& operator=(const RetentionWorker&) = delete;

 private:
  void Work();

  pg::ConnectionOptions db_;
  Duration retention_;
  std::chrono::milliseconds interval_;
  RetentionProbe* probe_;
  std::atomic<bool> stopping_{false};
  Mutex mu_;            // guards nothing: what cv_ waits with
  CondVar cv_;          // stopping_ was set
  std::thread worker_;  // last: started once the rest is initialized
};

}  // namespace clickstream
