// Counters and gauges of one pipeline thread, kept apart from the pipeline's logic so that the logic
// does not depend on how they are exported (status line, /metrics, /healthz, the dashboard). Updated
// by the pipeline thread only; read by others through relaxed atomics, so a reader sees each value but
// not a consistent set. The per-partition and per-thread gauges are the exception: the pipeline thread
// replaces them as a whole under a mutex at each commit, and readers copy them. A process with several
// pipeline threads has one probe each; observability/process_probe.h reads them as one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/mutex.h"
#include "engine/parser.h"

namespace clickstream {

// Where one assigned input partition stands, as of the pipeline's last commit pass.
struct PartitionGauges {
  int64_t lag = -1;  // records between the partition's end and the next one to process; -1: unknown
  int64_t watermark_micros = 0;  // event-time watermark, microseconds since the epoch
  bool has_watermark = false;    // false before the partition's first accepted event
  int64_t committed_offset = 0;  // next offset, as last committed to PostgreSQL
  int64_t open_windows = 0;      // page view and active user windows not final yet
  int64_t open_sessions = 0;     // sessions not final yet
  int thread = 0;                // the pipeline thread of the process that owns it
};

// One pipeline thread's consumer, as a member of the group.
struct ThreadGauges {
  std::string member_id;   // its member id in the consumer group; empty before it first joined
  int64_t partitions = 0;  // input partitions it owns
};

// The servers the pipeline retries its work on while they are away.
enum class Server : int { kPostgres, kKafka, kRegistry };
// Every server, in the order /healthz reports their outages (the first one only).
inline constexpr std::array<Server, 3> kServers = {Server::kPostgres, Server::kKafka, Server::kRegistry};

// How /healthz and the log name a server.
constexpr const char* ServerName(Server server) {
  switch (server) {
    case Server::kPostgres:
      return "PostgreSQL";
    case Server::kKafka:
      return "Kafka";
    case Server::kRegistry:
      return "schema registry";
  }
  return "?";
}

// A server unavailable while the pipeline retries its work there (protocol/outage_tracker.h).
struct Outage {
  int64_t since_unix_micros = 0;  // wall clock at the first failure
  int attempts = 0;               // failed so far
  std::string cause;              // the last failure
};

// The results retention of a process (service/retention_worker.h), when one runs.
struct RetentionProbe {
  std::atomic<int64_t> deleted_rows{0};   // results and late events deleted
  std::atomic<int64_t> cutoff_micros{0};  // rows older than this were deleted by the last pass ...
  std::atomic<bool> has_cutoff{false};    // ... if it had one (every partition had a watermark)
};

struct PipelineProbe {
  static constexpr size_t kReasons = kRejectReasonCount;
  // Upper bounds, in seconds, of the commit duration histogram's buckets (+Inf follows).
  static constexpr std::array<double, 12> kCommitBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  enum class State : int { kStarting, kRunning, kStopping };

  std::atomic<int64_t> consumed{0};   // records read from the input topic (replays included)
  std::atomic<int64_t> accepted{0};   // valid and on time
  std::atomic<int64_t> late{0};       // valid but older than the watermark
  std::atomic<int64_t> misrouted{0};  // record key differs from user_id
  std::array<std::atomic<int64_t>, kReasons> rejected{};  // by RejectReason
  std::atomic<int64_t> commits{0};
  std::atomic<int64_t> commit_failures{0};  // PostgreSQL commits and claims that failed and were retried
  std::atomic<int64_t> kafka_errors{0};     // failed Kafka sends or transactions (the partition is recovered)
  std::atomic<int64_t> lake_errors{0};      // failed lake writes (the partition is recovered)
  std::atomic<int64_t> registry_errors{
      0};                              // schema registry lookups that failed (the partition is recovered)
  std::atomic<int64_t> recoveries{0};  // partitions re-claimed from durable state after an error
  std::atomic<int64_t> rebalances{0};  // group rebalances seen: assignments and revocations
  std::atomic<int64_t> last_commit_micros{0};        // duration of the last commit, all sinks
  std::atomic<int64_t> last_kafka_commit_micros{0};  // ... of which Kafka transactions
  std::atomic<int64_t> last_db_commit_micros{0};     // ... of which the PostgreSQL transaction
  std::atomic<int64_t> lake_files{0};
  // Where commit time goes, summed over the run: what bounds throughput under load.
  std::atomic<int64_t> kafka_commit_micros_total{0};  // committing Kafka transactions (consumption waits)
  std::atomic<int64_t> db_commit_micros_total{0};     // PostgreSQL transactions, retries included
  std::atomic<int64_t> db_rows_total{0};              // result and late-event rows written to PostgreSQL

  // Commits that wrote something, by duration: counts per bucket (not cumulative), sum and count.
  std::array<std::atomic<int64_t>, kCommitBuckets.size() + 1> commit_buckets{};
  std::atomic<int64_t> commit_seconds_sum_micros{0};

  // Health: what /healthz decides on.
  std::atomic<State> state{State::kStarting};
  std::atomic<int64_t> last_commit_pass_unix_micros{
      0};                                  // wall clock at the end of the last commit pass that succeeded
  std::atomic<bool> lake_retrying{false};  // a lake write failed (e.g. disk full) and is being retried
  // The process's results retention; set by ProcessProbe::Aggregate, unused in a thread's probe.
  RetentionProbe retention;

  int64_t rejected_total() const {
    int64_t n = 0;
    for (const auto& r : rejected) n += r.load(std::memory_order_relaxed);
    return n;
  }

  // The figures of the last commit that finished: its whole duration and its Kafka and PostgreSQL parts.
  void SetLastCommit(int64_t micros, int64_t kafka_micros, int64_t db_micros) {
    last_kafka_commit_micros.store(kafka_micros, std::memory_order_relaxed);
    last_db_commit_micros.store(db_micros, std::memory_order_relaxed);
    last_commit_micros.store(micros, std::memory_order_relaxed);
  }

  void ObserveCommit(int64_t micros) {
    size_t i = 0;
    while (i < kCommitBuckets.size() && static_cast<double>(micros) > kCommitBuckets[i] * 1e6) ++i;
    commit_buckets[i].fetch_add(1, std::memory_order_relaxed);
    commit_seconds_sum_micros.fetch_add(micros, std::memory_order_relaxed);
  }

  void SetPartitions(std::map<int32_t, PartitionGauges> partitions) {
    MutexLock lock(mu_);
    partitions_ = std::move(partitions);
  }
  std::map<int32_t, PartitionGauges> partitions() const {
    MutexLock lock(mu_);
    return partitions_;
  }
  // Per thread, by the thread's index in the process.
  void SetThread(int thread, ThreadGauges gauges) {
    MutexLock lock(mu_);
    threads_[thread] = std::move(gauges);
  }
  std::map<int, ThreadGauges> threads() const {
    MutexLock lock(mu_);
    return threads_;
  }
  void SetLastError(std::string text) {
    MutexLock lock(mu_);
    last_error_ = std::move(text);
  }
  // Counts one failure in `counter` (kafka_errors or lake_errors) and keeps its message as the last error.
  void CountError(std::atomic<int64_t>& counter, std::string text) {
    counter.fetch_add(1, std::memory_order_relaxed);
    SetLastError(std::move(text));
  }
  // The outage of `server` while it lasts; nullopt: none.
  void SetOutage(Server server, std::optional<Outage> outage) {
    MutexLock lock(mu_);
    outages_[static_cast<size_t>(server)] = std::move(outage);
  }
  std::optional<Outage> outage(Server server) const {
    MutexLock lock(mu_);
    return outages_[static_cast<size_t>(server)];
  }
  // The last error the pipeline met (a sink's), for /healthz; empty: none.
  std::string last_error() const {
    MutexLock lock(mu_);
    return last_error_;
  }

 private:
  mutable Mutex mu_;
  std::map<int32_t, PartitionGauges> partitions_ GUARDED_BY(mu_);
  std::map<int, ThreadGauges> threads_ GUARDED_BY(mu_);
  std::string last_error_ GUARDED_BY(mu_);
  std::array<std::optional<Outage>, kServers.size()> outages_ GUARDED_BY(mu_);  // by Server
};

}  // namespace clickstream
