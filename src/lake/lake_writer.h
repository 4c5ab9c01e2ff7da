// LakeWriter: every event the pipeline accepts (late ones too) as Parquet files under
// `<root>/event_date=YYYY-MM-DD/` (UTC date of event_time), exactly once across crashes.
//
// Protocol, per Kafka partition:
//   1. Append(partition, offset, row) buffers rows in memory, as Arrow columns.
//   2. When ShouldSeal() says so (size or age), or on a graceful stop, Seal(partition) writes the buffer
//      as HIDDEN files, one per event date, fsyncs them and their directories, and returns a Batch.
//   3. The caller stores batch.Serialize() in the same database transaction as the partition's offsets.
//   4. Only after that commit, Publish(batch) renames the files to their visible names and fsyncs.
//   After a crash, with the partition's fence taken (so no older owner can still commit), the caller
//   passes the batches it may not have published (at least the last one recorded) to Recover(), which
//   publishes them and deletes every other hidden file of the partition, then resumes consuming at the
//   last recorded offset + 1. The lake then holds each recorded offset once and nothing else.
//
// File layout (see file_names.h): visible files are named `part-p<P>-o<first>-o<last>.parquet` from
// the batch's offsets; hidden ones add a leading `.` and `.<writer_id>.inprogress`, so pyarrow, Spark
// and DuckDB never see them, and a stale owner never overwrites the new owner's files.
//
// Crash behaviour: a crash during Seal leaves hidden files that no batch names (Recover deletes them);
// between Seal and the commit, the same; between the commit and Publish, hidden files a recorded batch
// names (Recover publishes them); during Publish, some files renamed (Publish is idempotent).
//
// Sealing in the background: Take(partition) moves the buffer out without I/O; Write(rows) then writes
// the hidden files. Write and Publish are const and touch only the options, so another thread may run
// them while this one goes on appending, which keeps Parquet encoding and fsyncs off the consuming thread.
//
// Thread safety: the non-const calls are for one thread at a time; Write and Publish may run on other
// threads concurrently with anything. Partitions never share files, so each consumer thread may own its
// own LakeWriter over the same root. The writer reads no clock: callers pass times in.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "lake/lake_batch.h"
#include "lake/lake_options.h"
#include "lake/lake_row.h"
#include "lake/row_buffer.h"

namespace clickstream {

class LakeWriter {
 public:
  // Validates `options` and creates the root directory if needed.
  static Result<std::unique_ptr<LakeWriter>> Open(LakeOptions options);
  ~LakeWriter();
  LakeWriter(const LakeWriter&) = delete;
  LakeWriter& operator=(const LakeWriter&) = delete;

  // Buffers one row. Offsets of a partition must increase (gaps are fine: Kafka has them), starting
  // after the last recorded offset given to Recover. On error the partition's buffer is dropped: the
  // caller recovers and replays from its last commit.
  Status Append(Partition partition, Offset offset, const LakeRow& row);

  // True when the partition's buffer holds roll_bytes or its oldest row was read roll_age before
  // `now_processing`.
  bool ShouldSeal(Partition partition, EventTime now_processing) const;
  // True when the partition's buffer holds roll_bytes.
  bool Full(Partition partition) const;

  // Writes the partition's buffered rows to hidden files (durable on return) and empties the buffer.
  // nullopt if nothing is buffered. On error, files it wrote are removed and the rows stay buffered,
  // so Seal can be retried (e.g. after freeing disk space).
  Result<std::optional<Batch>> Seal(Partition partition);

  // Rows taken out of a partition's buffer, to be written by Write. Movable, opaque.
  class TakenRows;
  // Moves the partition's buffered rows out (no I/O) and empties its buffer; nullopt if nothing is
  // buffered. Appends continue after the taken rows' offsets.
  std::optional<TakenRows> Take(Partition partition);
  // Writes taken rows to hidden files (durable on return), like Seal. On error, files it wrote are
  // removed and `rows` stay intact, so Write can be retried.
  Result<Batch> Write(TakenRows& rows) const;

  // Makes a sealed batch visible to readers, durably. Idempotent: files already visible are fine.
  // A file that is neither hidden nor visible is an error (the lake lost data a record claims).
  Status Publish(const Batch& batch) const;

  // Start-up after a crash or on taking over a partition: publishes `recorded` (batches of
  // `partition`) and deletes the partition's other hidden files. Drops anything buffered for it.
  Status Recover(Partition partition, const std::vector<Batch>& recorded);

  // Forgets the partition's buffered rows (e.g. the partition was revoked; its next owner replays them).
  void Discard(Partition partition);

 private:
  struct PartitionState;
  explicit LakeWriter(LakeOptions options);

  // Writes `days` as the files of `batch`; on error removes the files it wrote.
  Status WriteBatch(std::map<int64_t, RowBuffer>& days, Batch& batch) const;

  const LakeOptions options_;
  std::unordered_map<Partition, std::unique_ptr<PartitionState>> partitions_;
};

class LakeWriter::TakenRows {
 public:
  Partition partition() const { return batch_.partition; }

 private:
  friend class LakeWriter;
  explicit TakenRows(Batch batch) : batch_(std::move(batch)) {}
  Batch batch_;                        // offsets set, no files yet
  std::map<int64_t, RowBuffer> days_;  // by UTC day
};

}  // namespace clickstream
