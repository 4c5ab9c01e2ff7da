// ResultStore: what the commit protocol needs of the results database, so that it runs on PostgreSQL
// (PostgresResultStore, service/postgres_result_store.h) and on an in-memory store in tests
// (testing/fake_result_store.h) alike. The contract is pg::ResultsSink's: fenced claims, one
// all-or-nothing commit of many partitions, idempotent retries (a commit whose acknowledgement was lost is
// not applied twice).
//
// Thread safety: not thread-safe; one thread at a time (the commit worker, or the consuming thread while
// no commit is pending).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "protocol/commit_types.h"

namespace clickstream {

class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // Takes the partition (fence + 1) and returns its durable progress.
  virtual Result<PartitionClaim> Claim(Partition partition) = 0;
  // The partition's current fence (0 if never claimed).
  virtual Result<int64_t> Fence(Partition partition) = 0;
  // All `commits` in one transaction, committed only once `before_commit` (if given) returned and left
  // none of them out (see pg::ResultsSink::Commit). Errors: kFenced (nothing written; `fenced` names the
  // partitions claimed since or left out), kUnavailable (retry the same commits), kRefused (do not retry).
  virtual Status Commit(const std::vector<const PartitionCommit*>& commits, std::vector<Partition>* fenced,
                        const BeforeCommit& before_commit) = 0;
};

}  // namespace clickstream
