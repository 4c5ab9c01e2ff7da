// LakeStore: the lake as the commit protocol sees it. Its buffer side: each partition's rows read since
// its last seal, when to seal them (size or age), and taking them out to be written as hidden files.
// Its durable side: publishing a recorded batch's hidden files, and recovering a claimed partition to
// exactly the batches its claim recorded. The Parquet lake is LakeWriterStore
// (service/lake_writer_store.h, over lake/lake_writer.h); tests use an in-memory lake
// (testing/fake_lake_store.h).
//
// Thread safety: the buffer calls and Recover run on the consuming thread, Publish on the commit worker
// while no Recover runs; SealedRows::Write may run on any thread, concurrently with all of them.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "lake/lake_batch.h"
#include "lake/lake_row.h"

namespace clickstream {

// A partition's rows taken out of its buffer, not yet written.
class SealedRows {
 public:
  virtual ~SealedRows() = default;
  // Writes the rows as hidden files, durable on return. On error the files written are removed and the
  // rows kept, so Write can be retried.
  virtual Result<Batch> Write() = 0;
};

class LakeStore {
 public:
  virtual ~LakeStore() = default;

  // Buffers the partition's row read at `offset` (increasing per partition). On error the partition's
  // buffer is dropped: the caller recovers it from durable state.
  virtual Status Append(Partition partition, Offset offset, const LakeRow& row) = 0;
  // The partition's buffer should be sealed now (at `now`, wall clock: it holds enough rows, or old ones).
  virtual bool ShouldSeal(Partition partition, EventTime now) const = 0;
  // The partition's buffer is full: reading it further would buffer without bound.
  virtual bool Full(Partition partition) const = 0;
  // Moves the partition's buffered rows out; null if none. Appends go on after their offsets.
  virtual std::unique_ptr<SealedRows> Take(Partition partition) = 0;
  // Forgets the partition's buffered rows (its next owner re-reads them).
  virtual void Discard(Partition partition) = 0;

  // Makes the batch's files visible; idempotent.
  virtual Status Publish(const Batch& batch) const = 0;
  // Publishes `recorded` and deletes the partition's other hidden files.
  virtual Status Recover(Partition partition, const std::vector<Batch>& recorded) = 0;
};

}  // namespace clickstream
