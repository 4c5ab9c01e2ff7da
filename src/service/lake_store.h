// LakeStore: the lake's durable side as the commit protocol sees it: publishing a recorded batch's
// hidden files, and recovering a claimed partition to exactly the batches its claim recorded. Buffering
// and writing hidden files stay with LakeWriter (lake/lake_writer.h); tests use an in-memory lake
// (fake_stores.h).
//
// Thread safety: Publish runs on the commit worker, Recover on the consuming thread while no commit is
// pending: one call at a time.
#pragma once

#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "lake/lake_batch.h"
#include "lake/lake_writer.h"

namespace clickstream {

class LakeStore {
 public:
  virtual ~LakeStore() = default;

  // Makes the batch's files visible; idempotent.
  virtual Status Publish(const Batch& batch) const = 0;
  // Publishes `recorded` and deletes the partition's other hidden files.
  virtual Status Recover(Partition partition, const std::vector<Batch>& recorded) = 0;
};

// The Parquet lake on a file system. Does not own the writer.
class LakeWriterStore final : public LakeStore {
 public:
  explicit LakeWriterStore(LakeWriter* writer) : writer_(writer) {}

  Status Publish(const Batch& batch) const override { return writer_->Publish(batch); }
  Status Recover(Partition partition, const std::vector<Batch>& recorded) override {
    return writer_->Recover(partition, recorded);
  }

 private:
  LakeWriter* writer_;
};

}  // namespace clickstream
