#include "protocol/testing/fake_lake_store.h"

#include "lake/file_names.h"

namespace clickstream {

std::map<std::pair<int32_t, int64_t>, int> FakeLake::VisibleRows() const {
  std::map<std::pair<int32_t, int64_t>, int> rows;
  for (const auto& [path, offsets] : visible) {
    const int32_t partition = std::stoi(path.substr(path.find("part-p") + 6));
    for (const int64_t offset : offsets) ++rows[{partition, offset}];
  }
  return rows;
}

namespace {

// Taken offsets, written by the store's WriteHidden.
class FakeSealedRows final : public SealedRows {
 public:
  FakeSealedRows(const FakeLakeStore* store, Partition partition, std::vector<Offset> offsets,
                 std::string writer)
      : store_(store), partition_(partition), offsets_(std::move(offsets)), writer_(std::move(writer)) {}

  Result<Batch> Write() override { return store_->WriteHidden(partition_, offsets_, writer_); }

 private:
  const FakeLakeStore* store_;
  Partition partition_;
  std::vector<Offset> offsets_;
  std::string writer_;
};

}  // namespace

size_t FakeLakeStore::BufferSize(Partition partition) const {
  const auto it = buffers_.find(partition.id());
  return it == buffers_.end() ? 0 : it->second.size();
}

bool FakeLakeStore::Buffered(Partition partition) const { return BufferSize(partition) > 0; }

bool FakeLakeStore::ShouldSeal(Partition partition, EventTime /*now*/) const {
  return BufferSize(partition) >= static_cast<size_t>(seal_every_);
}

bool FakeLakeStore::Full(Partition partition) const {
  return BufferSize(partition) >= 2 * static_cast<size_t>(seal_every_);
}

std::unique_ptr<SealedRows> FakeLakeStore::Take(Partition partition) {
  auto node = buffers_.extract(partition.id());
  if (node.empty() || node.mapped().empty()) return nullptr;
  return std::make_unique<FakeSealedRows>(this, partition, std::move(node.mapped()), writer_);
}

Result<Batch> FakeLakeStore::WriteHidden(Partition partition, const std::vector<Offset>& offsets,
                                         const std::string& writer) const {
  CS_RETURN_NOT_OK(faults_->BeginStep("lake write"));
  const BatchFile file{"2026-03-01", partition, offsets.front(), offsets.back(), writer};
  Batch batch{partition, offsets.front(), offsets.back(), {HiddenPath(file)}};
  std::vector<int64_t>& rows = durable_->hidden[batch.files[0]];
  rows.clear();  // a rewrite of the same offsets replaces the file
  for (const Offset offset : offsets) rows.push_back(offset.value());
  CS_RETURN_NOT_OK(faults_->EndStep("lake write"));
  return batch;
}

Status FakeLakeStore::Publish(const Batch& batch) const {
  for (const std::string& path : batch.files) {
    const std::optional<BatchFile> file = ParseBatchFile(batch, path);
    if (!file) return Status::InvalidData("not a file of the batch: " + path);
    const std::string visible = VisiblePath(*file);
    const auto hidden = durable_->hidden.find(path);
    if (hidden == durable_->hidden.end()) {
      CS_RETURN_NOT_OK(faults_->Read("lake publish"));
      if (!durable_->visible.contains(visible)) return Status::NotFound("lake file lost: " + path);
      continue;
    }
    CS_RETURN_NOT_OK(faults_->BeginStep("lake publish"));
    durable_->visible[visible] = std::move(hidden->second);
    durable_->hidden.erase(hidden);
    CS_RETURN_NOT_OK(faults_->EndStep("lake publish"));
  }
  return Status::OK();
}

Status FakeLakeStore::Recover(Partition partition, const std::vector<Batch>& recorded) {
  buffers_.erase(partition.id());
  for (const Batch& batch : recorded) CS_RETURN_NOT_OK(Publish(batch));
  for (auto it = durable_->hidden.begin(); it != durable_->hidden.end();) {
    const std::optional<BatchFile> file = ParseHiddenPath(it->first);
    if (!file || file->partition != partition) {
      ++it;
      continue;
    }
    CS_RETURN_NOT_OK(faults_->BeginStep("lake delete"));
    it = durable_->hidden.erase(it);
    CS_RETURN_NOT_OK(faults_->EndStep("lake delete"));
  }
  return Status::OK();
}

}  // namespace clickstream
