#include "protocol/testing/fake_record_source.h"

namespace clickstream {

void FakeRecordSource::Assign(Partition partition, Offset next) { positions_[partition.id()] = next; }

void FakeRecordSource::Unassign(Partition partition) {
  positions_.erase(partition.id());
  paused_.erase(partition.id());
}

std::optional<Offset> FakeRecordSource::Position(Partition partition) const {
  const auto it = positions_.find(partition.id());
  if (it == positions_.end() || paused_.contains(partition.id())) return std::nullopt;
  return it->second;
}

std::set<int32_t> FakeRecordSource::Assigned() {
  std::set<int32_t> out;
  if (lost_) return out;
  for (const auto& [id, position] : positions_) out.insert(id);
  return out;
}

Result<Offset> FakeRecordSource::Committed(Partition partition) {
  CS_RETURN_NOT_OK(faults_->Read("committed offset"));
  MutexLock lock(topics_->mu);
  const auto it = topics_->group_offsets.find(partition.id());
  return it == topics_->group_offsets.end() ? Offset(0) : it->second;
}

Status FakeRecordSource::Seek(Partition partition, Offset next) {
  if (positions_.contains(partition.id())) positions_[partition.id()] = next;
  return Status::OK();
}

Status FakeRecordSource::SetPaused(Partition partition, bool paused) {
  if (paused) {
    paused_.insert(partition.id());
  } else {
    paused_.erase(partition.id());
  }
  return Status::OK();
}

}  // namespace clickstream
