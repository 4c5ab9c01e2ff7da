// FakeLakeStore: the lake's files in memory, for tests of the commit protocol without a file system.
// Files hold offsets (the rows' identity) and are hidden or visible under LakeWriter's names
// (lake/file_names.h); WriteHidden stands for LakeWriter::Write, Publish and Recover keep LakeWriter's
// contract: publishing is idempotent, recovery publishes the recorded batches and deletes the
// partition's other hidden files (and drops its buffer). A partition's buffer (offsets appended, not
// yet taken) should be sealed once it holds `seal_every` rows, and is full at twice that.
//
// Its durable state (FakeLake) outlives the store. Writing a file, renaming one and deleting one are
// one step of `faults` each, so a crash may fall between the files of a batch.
//
// Thread safety: one call at a time (the pipeline recovers only while no commit is being published).
// The durable state and the injector are not owned and must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "protocol/lake_store.h"
#include "protocol/testing/fault_injector.h"

namespace clickstream {

struct FakeLake {
  std::map<std::string, std::vector<int64_t>> hidden;   // path -> offsets of its rows
  std::map<std::string, std::vector<int64_t>> visible;  // path -> offsets of its rows

  // How often readers see each (partition, offset).
  std::map<std::pair<int32_t, int64_t>, int> VisibleRows() const;
};

class FakeLakeStore final : public LakeStore {
 public:
  // Its files are named after `writer`.
  FakeLakeStore(FakeLake* durable, FaultInjector* faults, std::string writer = "w", int seal_every = 5)
      : durable_(durable), faults_(faults), writer_(std::move(writer)), seal_every_(seal_every) {}

  // Buffers the row's offset: the offsets are what the fake lake's files hold.
  Status Append(Partition partition, Offset offset, const LakeRow& /*row*/) override {
    buffers_[partition.id()].push_back(offset);
    return Status::OK();
  }
  // Rows buffered, not taken.
  bool Buffered(Partition partition) const;

  // Writes the partition's rows at `offsets` (increasing, not empty) as one hidden file of `writer`.
  Result<Batch> WriteHidden(Partition partition, const std::vector<Offset>& offsets,
                            const std::string& writer) const;

  bool ShouldSeal(Partition partition, EventTime now) const override;
  bool Full(Partition partition) const override;
  std::unique_ptr<SealedRows> Take(Partition partition) override;
  void Discard(Partition partition) override { buffers_.erase(partition.id()); }
  Status Publish(const Batch& batch) const override;
  Status Recover(Partition partition, const std::vector<Batch>& recorded) override;

 private:
  size_t BufferSize(Partition partition) const;

  FakeLake* durable_;
  FaultInjector* faults_;
  std::string writer_;
  int seal_every_;
  std::map<int32_t, std::vector<Offset>> buffers_;
};

}  // namespace clickstream
