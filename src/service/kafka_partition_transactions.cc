#include "service/kafka_partition_transactions.h"

namespace clickstream {

Status KafkaPartitionTransaction::Send(const std::string& topic, std::string_view key,
                                       std::string_view value) {
  return producer_->Send(topic, key, value);
}

Status KafkaPartitionTransaction::Forward(const std::string& topic, const RecordView& original,
                                          const std::vector<AddedHeader>& added) {
  std::vector<kafka::Header> headers;
  headers.reserve(added.size());
  for (const AddedHeader& h : added) headers.push_back({h.name, h.value});
  return producer_->Forward(topic, original, headers);
}

Status KafkaPartitionTransaction::CommitWithOffset(Offset next_offset) {
  return producer_->CommitWithOffset(input_topic_, partition_, next_offset, group_id_, timeout_ms_);
}

Result<std::unique_ptr<PartitionTransaction>> KafkaPartitionTransactions::Start(Partition partition) {
  CS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::TransactionalProducer> producer,
                      kafka::TransactionalProducer::Start(
                          config_, group_id_ + "-" + input_topic_ + "-" + std::to_string(partition.id()),
                          timeout_ms_, errors_));
  return std::unique_ptr<PartitionTransaction>(std::make_unique<KafkaPartitionTransaction>(
      std::move(producer), group_id_, input_topic_, partition, timeout_ms_));
}

}  // namespace clickstream
