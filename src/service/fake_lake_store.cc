#include "service/fake_lake_store.h"

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

Result<Batch> FakeLakeStore::WriteHidden(Partition partition, const std::vector<Offset>& offsets,
                                         const std::string& writer) {
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
