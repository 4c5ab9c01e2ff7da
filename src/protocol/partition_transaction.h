// PartitionTransaction: one input partition's Kafka transaction. The enriched records and dead letters
// derived from the partition's records become visible atomically with the group's offset for it (E).
// Starting one for a partition fences its previous owner's and aborts that one's open transaction, so
// after a start the group offset is exactly the progress of the partition's output records.
// Implemented on a Kafka transactional producer (KafkaPartitionTransaction,
// service/kafka_partition_transactions.h) and in memory for tests (testing/fake_partition_transaction.h);
// a PartitionTransactions starts them.
//
// Thread safety: not thread-safe; one thread at a time. Different partitions' transactions are
// independent and may commit concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "protocol/record_view.h"

namespace clickstream {

class PartitionTransaction {
 public:
  virtual ~PartitionTransaction() = default;

  // Adds a record to the open transaction.
  virtual Status Send(const std::string& topic, std::string_view key, std::string_view value) = 0;
  // Adds a dead letter: `original` unchanged (key, value, headers, timestamp) plus the `added` headers.
  virtual Status Forward(const std::string& topic, const RecordView& original,
                         const std::vector<AddedHeader>& added) = 0;
  // Commits the open transaction with the group offset `next_offset` and opens the next. On failure the
  // transaction is unusable: the caller recovers the partition from durable state.
  virtual Status CommitWithOffset(Offset next_offset) = 0;
};

// Starts partitions' transactions. Thread safety: the consuming thread's.
class PartitionTransactions {
 public:
  virtual ~PartitionTransactions() = default;
  // The partition's transaction; fences its previous one (of any process) and aborts what that had open.
  virtual Result<std::unique_ptr<PartitionTransaction>> Start(Partition partition) = 0;
};

}  // namespace clickstream
