// FakeRecordSource: a member's consumer in memory, for tests of the orchestration without a broker. It
// holds what the group assigned the member, where each partition is read next and which are paused;
// the group offsets are the FakeTopics' (what the partitions' transactions committed). The test driving
// it delivers records from Position on and moves it with Delivered.
//
// Thread safety: one thread. The durable state and the injector are not owned and must outlive it.
#pragma once

#include <map>
#include <optional>
#include <set>

#include "protocol/record_source.h"
#include "protocol/testing/fake_partition_transaction.h"
#include "protocol/testing/fault_injector.h"

namespace clickstream {

class FakeRecordSource final : public RecordSource {
 public:
  FakeRecordSource(FakeTopics* topics, FaultInjector* faults) : topics_(topics), faults_(faults) {}

  // The group assigns the partition, read from `next` on, or takes it away.
  void Assign(Partition partition, Offset next);
  void Unassign(Partition partition);
  // With `lost`, the group gave the partitions away without revoking them first.
  void SetLost(bool lost) { lost_ = lost; }

  // Where the partition is read next; nullopt when it is not assigned or paused.
  std::optional<Offset> Position(Partition partition) const;
  // The record at `offset` was delivered: reading goes on after it.
  void Delivered(Partition partition, Offset offset) {
    positions_[partition.id()] = Offset(offset.value() + 1);
  }

  std::set<int32_t> Assigned() override;
  bool AssignmentLost() override { return lost_; }
  Result<Offset> Committed(Partition partition) override;
  Status Seek(Partition partition, Offset next) override;
  Status SetPaused(Partition partition, bool paused) override;

 private:
  FakeTopics* topics_;
  FaultInjector* faults_;
  std::map<int32_t, Offset> positions_;  // of the assigned partitions
  std::set<int32_t> paused_;
  bool lost_ = false;
};

}  // namespace clickstream
