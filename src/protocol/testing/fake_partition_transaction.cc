#include "protocol/testing/fake_partition_transaction.h"

namespace clickstream {

Result<std::unique_ptr<FakePartitionTransaction>> FakePartitionTransaction::Start(FakeTopics* durable,
                                                                                  FaultInjector* faults,
                                                                                  Partition partition) {
  CS_RETURN_NOT_OK(faults->BeginStep("init transactions"));
  int64_t epoch = 0;
  {
    MutexLock lock(durable->mu);
    epoch = ++durable->epochs[partition.id()];
  }
  CS_RETURN_NOT_OK(faults->EndStep("init transactions"));
  return std::unique_ptr<FakePartitionTransaction>(
      new FakePartitionTransaction(durable, faults, partition, epoch));
}

Status FakePartitionTransaction::Send(const std::string& topic, std::string_view key,
                                      std::string_view value) {
  pending_.push_back({topic, std::string(key), std::string(value), {}, std::nullopt});
  return Status::OK();
}

Status FakePartitionTransaction::Forward(const std::string& topic, const RecordView& original,
                                         const std::vector<AddedHeader>& added) {
  FakeTopics::Record& record =
      pending_.emplace_back(FakeTopics::Record{topic, {}, {}, {}, original.timestamp_ms});
  if (original.key) record.key.emplace(*original.key);
  if (original.value) record.value.emplace(*original.value);
  for (const RecordView::Header& h : original.headers) record.headers.emplace_back(h.name, h.value);
  for (const AddedHeader& h : added) record.headers.emplace_back(h.name, h.value);
  return Status::OK();
}

Status FakePartitionTransaction::CommitWithOffset(Offset next_offset) {
  CS_RETURN_NOT_OK(faults_->BeginStep("commit transaction"));
  {
    MutexLock lock(durable_->mu);
    if (durable_->epochs[partition_.id()] != epoch_) {
      pending_.clear();
      return Status::Fenced("partition " + std::to_string(partition_.id()) + ": producer fenced");
    }
    std::vector<FakeTopics::Record>& records = durable_->records[partition_.id()];
    records.insert(records.end(), pending_.begin(), pending_.end());
    durable_->group_offsets[partition_.id()] = next_offset;
  }
  pending_.clear();
  return faults_->EndStep("commit transaction");
}

Result<std::unique_ptr<PartitionTransaction>> FakePartitionTransactions::Start(Partition partition) {
  CS_ASSIGN_OR_RETURN(std::unique_ptr<FakePartitionTransaction> transaction,
                      FakePartitionTransaction::Start(durable_, faults_, partition));
  return std::unique_ptr<PartitionTransaction>(std::move(transaction));
}

}  // namespace clickstream
