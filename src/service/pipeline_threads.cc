#include "service/pipeline_threads.h"

#include <atomic>
#include <optional>
#include <thread>

#include "common/log.h"
#include "common/mutex.h"

namespace clickstream {

Result<std::unique_ptr<PipelineThreads>> PipelineThreads::Start(const PipelineOptions& options,
                                                                const std::vector<PipelineProbe*>& probes) {
  if (options.threads < 1)
    return Status::InvalidArgument("--threads (CLICKSTREAM_THREADS) must be at least 1");
  if (static_cast<size_t>(options.threads) != probes.size()) return Status::Internal("one probe per thread");
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  for (int i = 0; i < options.threads; ++i) {
    CS_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Start(options, i, probes[static_cast<size_t>(i)]));
    pipelines.push_back(std::move(pipeline));
  }
  return std::unique_ptr<PipelineThreads>(new PipelineThreads(std::move(pipelines)));
}

PipelineThreads::PipelineThreads(std::vector<std::unique_ptr<Pipeline>> pipelines)
    : pipelines_(std::move(pipelines)) {}

Status PipelineThreads::Run(const std::function<bool()>& stop) {
  if (pipelines_.size() == 1) return pipelines_[0]->Run(stop);
  std::atomic<bool> failed{false};
  Mutex mu;
  std::optional<Status> first_failure;  // guarded by mu (a local: GUARDED_BY is for members)
  const std::function<bool()> stop_all = [&] { return failed.load(std::memory_order_relaxed) || stop(); };
  std::vector<std::thread> threads;
  for (size_t i = 0; i < pipelines_.size(); ++i) {
    threads.emplace_back([&, i] {
      const Status st = pipelines_[i]->Run(stop_all);
      if (st.ok()) return;
      MutexLock lock(mu);
      if (first_failure) {
        // The process ends with the first failure; the others are told here.
        log::Error("run", "thread {}: {}", i, st.message());
        return;
      }
      first_failure = st;
      failed.store(true, std::memory_order_relaxed);
    });
  }
  for (std::thread& t : threads) t.join();
  return first_failure.value_or(Status::OK());
}

}  // namespace clickstream
