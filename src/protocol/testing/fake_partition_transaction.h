// FakePartitionTransaction: a partition's Kafka transaction in memory, for tests of the commit protocol
// without a broker. Records sent are pending until CommitWithOffset appends them to the partition's
// committed output together with the group offset (one step of `faults`); a forwarded record keeps its
// original's key and value (null apart from empty), headers and timestamp, as the Kafka producer does.
// Start fences the previous transaction of the partition (its commits fail with kFenced from then on) and
// drops what it had pending, like a transactional producer's InitTransactions.
//
// Its durable state (FakeTopics) outlives the transaction: what consumers of the output topics see,
// and the group offsets.
//
// Thread safety: one call at a time per transaction; transactions of different partitions may commit
// concurrently. The durable state and the injector are not owned and must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "protocol/partition_transaction.h"
#include "protocol/testing/fault_injector.h"

namespace clickstream {

struct FakeTopics {
  // A record as a read_committed consumer of `topic` sees it: a null key or value stays null, apart from
  // an empty one; a dead letter's headers are its original's, in order, then the added ones.
  struct Record {
    std::string topic;
    std::optional<std::string> key;                                           // nullopt: a null key
    std::optional<std::string> value;                                         // nullopt: a null value
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;  // nullopt: a null value
    std::optional<int64_t> timestamp_ms;  // a forwarded original's; nullopt: the producer's clock

    bool operator==(const Record&) const = default;
  };
  // Copies of records and group_offsets, for a test's checks.
  std::map<int32_t, std::vector<Record>> Records() const EXCLUDES(mu) {
    MutexLock lock(mu);
    return records;
  }
  std::map<int32_t, Offset> GroupOffsets() const EXCLUDES(mu) {
    MutexLock lock(mu);
    return group_offsets;
  }

  mutable Mutex mu;
  std::map<int32_t, std::vector<Record>> records GUARDED_BY(mu);  // per input partition, in commit order
  std::map<int32_t, Offset> group_offsets GUARDED_BY(mu);
  std::map<int32_t, int64_t> epochs GUARDED_BY(mu);  // the current transaction's, per input partition
};

class FakePartitionTransaction final : public PartitionTransaction {
 public:
  // Fences the partition's previous transaction (one step).
  static Result<std::unique_ptr<FakePartitionTransaction>> Start(FakeTopics* durable, FaultInjector* faults,
                                                                 Partition partition);

  Status Send(const std::string& topic, std::string_view key, std::string_view value) override;
  Status Forward(const std::string& topic, const RecordView& original,
                 const std::vector<AddedHeader>& added) override;
  Status CommitWithOffset(Offset next_offset) override;

 private:
  FakePartitionTransaction(FakeTopics* durable, FaultInjector* faults, Partition partition, int64_t epoch)
      : durable_(durable), faults_(faults), partition_(partition), epoch_(epoch) {}

  FakeTopics* durable_;
  FaultInjector* faults_;
  Partition partition_;
  int64_t epoch_;
  std::vector<FakeTopics::Record> pending_;
};

// Starts FakePartitionTransactions over one durable state.
class FakePartitionTransactions final : public PartitionTransactions {
 public:
  FakePartitionTransactions(FakeTopics* durable, FaultInjector* faults)
      : durable_(durable), faults_(faults) {}

  Result<std::unique_ptr<PartitionTransaction>> Start(Partition partition) override;

 private:
  FakeTopics* durable_;
  FaultInjector* faults_;
};

}  // namespace clickstream
