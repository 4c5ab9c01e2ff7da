// Counters of the streaming service, kept apart from the pipeline's logic so that the logic does not
// depend on how they are exported (status line, /metrics). Updated by the pipeline thread only; read
// by others through relaxed atomics, so a reader sees each value but not a consistent set.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "engine/parser.h"

namespace clickstream {

struct PipelineProbe {
  static constexpr size_t kReasons = static_cast<size_t>(RejectReason::kUnknownEventType) + 1;

  std::atomic<int64_t> consumed{0};   // records read from the input topic (replays included)
  std::atomic<int64_t> accepted{0};   // valid and on time
  std::atomic<int64_t> late{0};       // valid but older than the watermark
  std::atomic<int64_t> misrouted{0};  // record key differs from user_id
  std::array<std::atomic<int64_t>, kReasons> rejected{};  // by RejectReason
  std::atomic<int64_t> commits{0};
  std::atomic<int64_t> commit_failures{0};
  std::atomic<int64_t> last_commit_micros{0};  // duration of the last commit, all sinks
  std::atomic<int64_t> last_kafka_commit_micros{0};  // ... of which Kafka transactions
  std::atomic<int64_t> last_db_commit_micros{0};     // ... of which the PostgreSQL transaction
  std::atomic<int64_t> lake_files{0};

  int64_t rejected_total() const {
    int64_t n = 0;
    for (const auto& r : rejected) n += r.load(std::memory_order_relaxed);
    return n;
  }
};

}  // namespace clickstream
