// KafkaPartitionTransactions: the commit protocol's PartitionTransactions (protocol/partition_transaction.h)
// on Kafka transactional producers, one per input partition (KafkaPartitionTransaction).
//
// Thread safety: PartitionTransaction's and PartitionTransactions'. The error reporter is not owned and
// must outlive them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "kafka/client_config.h"
#include "kafka/error_reporter.h"
#include "kafka/transactional_producer.h"
#include "protocol/partition_transaction.h"
#include "protocol/record_view.h"

namespace clickstream {

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

  Status Send(const std::string& topic, std::string_view key, std::string_view value) override;
  Status Forward(const std::string& topic, const RecordView& original,
                 const std::vector<AddedHeader>& added) override;
  Status CommitWithOffset(Offset next_offset) override;

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

  Result<std::unique_ptr<PartitionTransaction>> Start(Partition partition) override;

 private:
  kafka::ConfigPairs config_;
  std::string group_id_;
  std::string input_topic_;
  int timeout_ms_;
  kafka::ErrorReporter* errors_;
};

}  // namespace clickstream
