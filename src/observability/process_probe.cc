#include "observability/process_probe.h"

#include <algorithm>

#include "observability/metric_family.h"

namespace clickstream {
namespace {

void Add(std::atomic<int64_t>& to, const std::atomic<int64_t>& from) {
  to.fetch_add(from.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void Max(std::atomic<int64_t>& to, const std::atomic<int64_t>& from) {
  to.store(std::max(to.load(std::memory_order_relaxed), from.load(std::memory_order_relaxed)),
           std::memory_order_relaxed);
}

}  // namespace

ProcessProbe::ProcessProbe(int threads) {
  for (int i = 0; i < threads; ++i) threads_.push_back(std::make_unique<PipelineProbe>());
}

std::vector<PipelineProbe*> ProcessProbe::threads() {
  std::vector<PipelineProbe*> out;
  for (auto& p : threads_) out.push_back(p.get());
  return out;
}

void ProcessProbe::Aggregate(PipelineProbe* out) const {
  using State = PipelineProbe::State;
  std::map<int32_t, PartitionGauges> partitions;
  std::map<int, ThreadGauges> threads;
  bool starting = false, stopping = false, lake_retrying = false;
  int64_t oldest_commit_pass = 0;
  std::string last_error;
  // The counters behind the metric families (observability/metric_family.h), summed.
  const ProbeCounters sums = SummedCounters(*out);
  for (size_t index = 0; index < threads_.size(); ++index) {
    PipelineProbe& p = *threads_[index];
    const ProbeCounters from = SummedCounters(p);
    for (size_t i = 0; i < from.size(); ++i) Add(*sums[i], *from[i]);
    Max(out->last_commit_micros, p.last_commit_micros);
    Max(out->last_kafka_commit_micros, p.last_kafka_commit_micros);
    Max(out->last_db_commit_micros, p.last_db_commit_micros);

    const State state = p.state.load(std::memory_order_relaxed);
    starting = starting || state == State::kStarting;
    stopping = stopping || state == State::kStopping;
    const int64_t pass = p.last_commit_pass_unix_micros.load(std::memory_order_relaxed);
    oldest_commit_pass = index == 0 ? pass : std::min(oldest_commit_pass, pass);
    for (const Server server : kServers) {
      if (const auto outage = p.outage(server); outage && !out->outage(server))
        out->SetOutage(server, outage);
    }
    // /healthz names the failing lake write when there is one.
    const bool retrying = p.lake_retrying.load(std::memory_order_relaxed);
    if (last_error.empty() || (retrying && !lake_retrying)) last_error = p.last_error();
    lake_retrying = lake_retrying || retrying;
    partitions.merge(p.partitions());
    threads.merge(p.threads());
    threads.try_emplace(static_cast<int>(index));  // listed before its consumer first joined
  }
  out->state.store(starting   ? State::kStarting
                   : stopping ? State::kStopping
                              : State::kRunning,
                   std::memory_order_relaxed);
  out->retention.deleted_rows.store(retention_.deleted_rows.load(std::memory_order_relaxed),
                                    std::memory_order_relaxed);
  out->retention.cutoff_micros.store(retention_.cutoff_micros.load(std::memory_order_relaxed),
                                     std::memory_order_relaxed);
  out->retention.has_cutoff.store(retention_.has_cutoff.load(std::memory_order_relaxed),
                                  std::memory_order_relaxed);
  out->last_commit_pass_unix_micros.store(oldest_commit_pass, std::memory_order_relaxed);
  out->lake_retrying.store(lake_retrying, std::memory_order_relaxed);
  out->SetLastError(std::move(last_error));
  out->SetPartitions(std::move(partitions));
  for (auto& [i, gauges] : threads) out->SetThread(i, std::move(gauges));
}

}  // namespace clickstream
