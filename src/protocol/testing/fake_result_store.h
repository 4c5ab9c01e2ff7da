// FakeResultStore: the result store in memory, for tests of the commit protocol without PostgreSQL. It
// keeps ResultsSink's contract (postgres/results_sink.h): claims take the fence, a commit under an old
// fence writes nothing and names the partitions, a retried commit whose acknowledgement was lost is not
// applied again, late events and lake batches are inserted once, published lake batches are pruned.
// Result rows are kept per partition as upserts of absolute values, the way the tables hold them.
//
// Its durable state (FakeResults) outlives the store, as a database outlives a process: a restarted
// process model opens a new store on it. Every Claim and Commit is one step of `faults`.
//
// Thread safety: one call at a time, like ResultsSink. The durable state and the injector are not
// owned and must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/changes.h"
#include "protocol/result_store.h"
#include "protocol/testing/fault_injector.h"

namespace clickstream {

struct FakeResults {
  struct Progress {
    int64_t fence = 0;
    std::optional<Offset> next_offset;
    Watermark watermark;
    std::optional<EngineSnapshot> snapshot;
    std::vector<std::string> lake_batches;
  };
  // What readers of the results see; equal across runs that processed the same input.
  struct Rows {
    std::map<std::tuple<int32_t, int64_t, std::string>, PageViewCountRow>
        page_views;                                                      // partition, start, url
    std::map<std::pair<int32_t, int64_t>, ActiveUsersRow> active_users;  // partition, start
    std::map<SessionKey, SessionRow> sessions;  // user_sessions, the latest per user, is a view of them
    std::map<std::pair<int32_t, int64_t>, LateEvent> late_events;  // partition, offset
    std::map<int32_t, int64_t> next_offsets;

    bool operator==(const Rows&) const = default;
  };

  std::map<int32_t, Progress> progress;
  Rows rows;
};

class FakeResultStore final : public ResultStore {
 public:
  FakeResultStore(FakeResults* durable, FaultInjector* faults) : durable_(durable), faults_(faults) {}

  Result<PartitionClaim> Claim(Partition partition) override;
  Result<int64_t> Fence(Partition partition) override;
  Status Commit(const std::vector<const PartitionCommit*>& commits, std::vector<Partition>* fenced,
                const BeforeCommit& before_commit) override;

 private:
  void Apply(const PartitionCommit& commit);

  FakeResults* durable_;
  FaultInjector* faults_;
};

}  // namespace clickstream
