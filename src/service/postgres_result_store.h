// PostgresResultStore: the commit protocol's ResultStore (protocol/result_store.h) on PostgreSQL, through
// pg::ResultsSink.
//
// Thread safety: not thread-safe; one thread at a time. Owns its sink.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "postgres/results_sink.h"
#include "protocol/result_store.h"

namespace clickstream {

class PostgresResultStore final : public ResultStore {
 public:
  explicit PostgresResultStore(pg::ResultsSink sink) : sink_(std::move(sink)) {}

  Result<PartitionClaim> Claim(Partition partition) override { return sink_.Claim(partition); }
  Result<int64_t> Fence(Partition partition) override { return sink_.Fence(partition); }
  Status Commit(const std::vector<const PartitionCommit*>& commits, std::vector<Partition>* fenced,
                const BeforeCommit& before_commit) override {
    return sink_.Commit(commits, fenced, before_commit);
  }
  Status RegisterPartitions(int32_t count) { return sink_.RegisterPartitions(count); }

 private:
  pg::ResultsSink sink_;
};

}  // namespace clickstream
