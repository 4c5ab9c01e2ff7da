// PartitionTransaction: one input partition's Kafka transaction. The enriched records and dead letters
// derived from the partition's records become visible atomically with the group's offset for it (E).
// Starting one for a partition fences its previous owner's and aborts that one's open transaction, so
// after a start the group offset is exactly the progress of the partition's output records.
// Implemented on a Kafka transactional producer (KafkaPartitionTransaction) and in memory for tests
// (fake_partition_transaction.h); a PartitionTransactions starts them.
//
// Thread safety: not thread-safe; one thread at a time. Different partitions' transactions are
// independent and may commit concurrently.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "kafka/client_config.h"
#include "kafka/error_reporter.h"
#include "kafka/record_view.h"
#include "kafka/transactional_producer.h"

namespace clickstream {

class PartitionTransaction {
 public:
  virtual ~PartitionTransaction() = default;

  // Adds a record to the open transaction.
  virtual Status Send(const std::string& topic, std::string_view key, std::string_view value) = 0;
  // Adds a dead letter: `original` unchanged (key, value, headers, timestamp) plus the `added` headers.
  virtual Status Forward(const std::string& topic, const kafka::RecordView& original,
                         const std::vector<kafka::Header>& added) = 0;
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

// On a Kafka transactional producer whose transactional id names the partition. Offsets are committed
// for the group by its id alone (TransactionalProducer::CommitWithOffsets says why).
class KafkaPartitionTransaction final : public PartitionTransaction {
 public:
  KafkaPartitionTransaction(std::unique_ptr<kafka::TransactionalProducer> producer, std::string group_id,
                            std::string input_topic, Partition partition, int timeout_ms)
      : producer_(std::move(producer)),
        group_id_(std::move(group_id)),
        input_topic_(std::move(input_topic)),
        partition_(partition),
        timeout_ms_(timeout_ms) {}

  Status Send(const std::string& topic, std::string_view key, std::string_view value) override {
    return producer_->Send(topic, key, value);
  }
  Status Forward(const std::string& topic, const kafka::RecordView& original,
                 const std::vector<kafka::Header>& added) override {
    return producer_->Forward(topic, original, added);
  }
  Status CommitWithOffset(Offset next_offset) override {
    return producer_->CommitWithOffset(input_topic_, partition_, next_offset, group_id_, timeout_ms_);
  }

 private:
  std::unique_ptr<kafka::TransactionalProducer> producer_;
  std::string group_id_;
  std::string input_topic_;
  Partition partition_;
  int timeout_ms_;
};

// Kafka transactional producers with ids `<group id>-<input topic>-<partition>`, committing offsets for
// the group `group_id`. The error reporter is not owned.
class KafkaPartitionTransactions final : public PartitionTransactions {
 public:
  KafkaPartitionTransactions(kafka::ConfigPairs config, std::string group_id, std::string input_topic,
                             int timeout_ms, kafka::ErrorReporter* errors)
      : config_(std::move(config)),
        group_id_(std::move(group_id)),
        input_topic_(std::move(input_topic)),
        timeout_ms_(timeout_ms),
        errors_(errors) {}

  Result<std::unique_ptr<PartitionTransaction>> Start(Partition partition) override {
    CS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::TransactionalProducer> producer,
                        kafka::TransactionalProducer::Start(
                            config_, group_id_ + "-" + input_topic_ + "-" + std::to_string(partition.id()),
                            timeout_ms_, errors_));
    return std::unique_ptr<PartitionTransaction>(std::make_unique<KafkaPartitionTransaction>(
        std::move(producer), group_id_, input_topic_, partition, timeout_ms_));
  }

 private:
  kafka::ConfigPairs config_;
  std::string group_id_;
  std::string input_topic_;
  int timeout_ms_;
  kafka::ErrorReporter* errors_;
};

}  // namespace clickstream
