// The probes of a process's pipeline threads (`clickstream run --threads N`), read as one by /metrics,
// /healthz and the dashboard: the counters behind the metric families (observability/metric_family.h)
// are summed, per-partition and per-thread gauges merged (each partition and thread is one thread's),
// and health is the worst thread's.
#pragma once

#include <memory>
#include <vector>

#include "observability/pipeline_probe.h"

namespace clickstream {

class ProcessProbe {
 public:
  explicit ProcessProbe(int threads);

  // The probe thread `i` of the process updates (0 <= i < threads()).
  PipelineProbe* thread(int i) { return threads_[static_cast<size_t>(i)].get(); }
  std::vector<PipelineProbe*> threads();
  int thread_count() const { return static_cast<int>(threads_.size()); }
  // The process's results retention, updated by its RetentionWorker.
  RetentionProbe* retention() { return &retention_; }

  // Fills `out`, a fresh probe, with the process's figures. The state is the least advanced thread's
  // (starting, then stopping), the last commit pass the oldest thread's (a stuck thread shows), a
  // server's outage or failing lake write any thread's; "last" figures are the largest.
  void Aggregate(PipelineProbe* out) const;

 private:
  std::vector<std::unique_ptr<PipelineProbe>> threads_;
  RetentionProbe retention_;
};

}  // namespace clickstream
