// LakeWriterStore: the commit protocol's LakeStore (protocol/lake_store.h) on the Parquet lake of
// lake/lake_writer.h.
//
// Thread safety: LakeStore's. Does not own the writer, which must outlive it.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "lake/lake_batch.h"
#include "lake/lake_row.h"
#include "lake/lake_writer.h"
#include "protocol/lake_store.h"

namespace clickstream {

// The Parquet lake on a file system.
class LakeWriterStore final : public LakeStore {
 public:
  explicit LakeWriterStore(LakeWriter* writer) : writer_(writer) {}

  Status Append(Partition partition, Offset offset, const LakeRow& row) override {
    return writer_->Append(partition, offset, row);
  }
  bool ShouldSeal(Partition partition, EventTime now) const override {
    return writer_->ShouldSeal(partition, now);
  }
  bool Full(Partition partition) const override { return writer_->Full(partition); }
  std::unique_ptr<SealedRows> Take(Partition partition) override;
  void Discard(Partition partition) override { writer_->Discard(partition); }

  Status Publish(const Batch& batch) const override { return writer_->Publish(batch); }
  Status Recover(Partition partition, const std::vector<Batch>& recorded) override {
    return writer_->Recover(partition, recorded);
  }

 private:
  LakeWriter* writer_;
};

}  // namespace clickstream
