#include "lake/lake_writer.h"

#include <map>

#include "common/rfc3339.h"
#include "lake/durable_fs.h"
#include "lake/file_names.h"
#include "lake/parquet_file.h"
#include "lake/row_buffer.h"

namespace clickstream {
namespace {

constexpr int64_t kMicrosPerDay = int64_t{86'400} * 1'000'000;
// In-memory bytes of a row besides its strings: three timestamps/offsets, the partition, the flag and
// three string offsets.
constexpr int64_t kFixedRowBytes = 3 * 8 + 4 + 1 + 3 * 4;

int64_t DayOf(EventTime t) {
  const int64_t us = t.micros();
  return us / kMicrosPerDay - (us % kMicrosPerDay < 0 ? 1 : 0);
}

std::string Describe(Partition p) { return "partition " + std::to_string(p.id()); }

}  // namespace

struct LakeWriter::PartitionState {
  // Last offset appended or recovered; Append must go beyond it.
  std::optional<Offset> last_offset;

  // The buffer, by UTC day. Ordered so a batch lists its files by date.
  std::map<int64_t, RowBuffer> days;
  // Rows mostly arrive in date order, so the last row's day usually takes the next one too.
  RowBuffer* current = nullptr;
  int64_t current_day = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  Offset first_offset;
  EventTime oldest_processing;
};

Result<std::unique_ptr<LakeWriter>> LakeWriter::Open(LakeOptions options) {
  if (options.root.empty()) return Status::InvalidArgument("lake: no lake directory given (set --lake-dir)");
  if (!IsValidWriterId(options.writer_id)) {
    return Status::InvalidArgument("lake: writer id '" + options.writer_id +
                                   "' must be non-empty letters, digits, '_' or '-'");
  }
  if (options.roll_bytes <= 0 || options.row_group_rows <= 0 || options.roll_age <= Duration()) {
    return Status::InvalidArgument("lake: roll size, roll age and row group size must be positive");
  }
  if (options.file_mode > 0777 || (options.file_mode & 0600) != 0600 || options.dir_mode > 0777 ||
      (options.dir_mode & 0700) != 0700) {
    return Status::InvalidArgument(
        "lake: file and directory modes are octal permissions with the owner's read and write (files, e.g. "
        "0640) and read, write and search (directories, e.g. 0750)");
  }
  if (!CompressionAvailable(options.compression)) {
    return Status::InvalidArgument("lake: this Arrow build cannot write the chosen compression");
  }
  CS_RETURN_NOT_OK(MakeDirs(options.root, options.dir_mode));
  return std::unique_ptr<LakeWriter>(new LakeWriter(std::move(options)));
}

LakeWriter::LakeWriter(LakeOptions options) : options_(std::move(options)) {}
LakeWriter::~LakeWriter() = default;

Status LakeWriter::Append(Partition partition, Offset offset, const LakeRow& row) {
  std::unique_ptr<PartitionState>& slot = partitions_[partition];
  if (!slot) slot = std::make_unique<PartitionState>();
  PartitionState& s = *slot;
  if (s.last_offset && offset <= *s.last_offset) {
    return Status::InvalidArgument(
        "lake: offset " + std::to_string(offset.value()) + " of " + Describe(partition) + " is not after " +
        std::to_string(s.last_offset->value()) + ", already buffered or in the lake");
  }
  const int64_t day = DayOf(row.event_time);
  if (s.current == nullptr || day != s.current_day) {
    s.current = &s.days.try_emplace(day, LakeMemoryPool()).first->second;
    s.current_day = day;
  }
  if (Status st = s.current->Append(partition, offset, row); !st.ok()) {
    Discard(partition);
    return st;
  }
  if (s.rows++ == 0) {
    s.first_offset = offset;
    s.oldest_processing = row.processing_time;
  }
  s.last_offset = offset;
  s.bytes += kFixedRowBytes + static_cast<int64_t>(row.user_id.size() + row.page_url.size() +
                                                   EventTypeName(row.event_type).size() +
                                                   row.attributes.size());
  return Status::OK();
}

bool LakeWriter::ShouldSeal(Partition partition, EventTime now_processing) const {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second->rows == 0) return false;
  return Full(partition) || now_processing - it->second->oldest_processing >= options_.roll_age;
}

bool LakeWriter::Full(Partition partition) const {
  const auto it = partitions_.find(partition);
  return it != partitions_.end() && it->second->bytes >= options_.roll_bytes;
}

Result<std::optional<Batch>> LakeWriter::Seal(Partition partition) {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second->rows == 0) return std::optional<Batch>();
  PartitionState& s = *it->second;
  Batch batch{partition, s.first_offset, *s.last_offset, {}};
  CS_RETURN_NOT_OK(WriteBatch(s.days, batch));
  s.days.clear();
  s.current = nullptr;
  s.rows = 0;
  s.bytes = 0;
  return std::optional<Batch>(std::move(batch));
}

std::optional<LakeWriter::TakenRows> LakeWriter::Take(Partition partition) {
  const auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second->rows == 0) return std::nullopt;
  PartitionState& s = *it->second;
  TakenRows taken(Batch{partition, s.first_offset, *s.last_offset, {}});
  taken.days_ = std::move(s.days);
  s.days.clear();
  s.current = nullptr;
  s.rows = 0;
  s.bytes = 0;
  return taken;
}

Result<Batch> LakeWriter::Write(TakenRows& rows) const {
  Batch batch = rows.batch_;
  CS_RETURN_NOT_OK(WriteBatch(rows.days_, batch));
  return batch;
}

Status LakeWriter::WriteBatch(std::map<int64_t, RowBuffer>& days, Batch& batch) const {
  // Each file joins `batch` before it is created, so a failure can remove it.
  const Status st = [&]() -> Status {
    for (auto& [day, rows] : days) {
      const BatchFile file{FormatDate(EventTime::FromMicros(day * kMicrosPerDay)), batch.partition,
                           batch.first_offset, batch.last_offset, options_.writer_id};
      const std::string dir = options_.root + "/" + DateDirName(file.date);
      CS_RETURN_NOT_OK(MakeDirs(dir, options_.dir_mode));
      batch.files.push_back(HiddenPath(file));
      CS_ASSIGN_OR_RETURN(const std::shared_ptr<arrow::Table> table, rows.ToTable());
      CS_RETURN_NOT_OK(WriteParquetFile(options_.root + "/" + batch.files.back(), *table, options_));
      // The caller records the batch next; its files' names must survive a crash too.
      CS_RETURN_NOT_OK(SyncDir(dir));
    }
    return Status::OK();
  }();
  if (!st.ok()) {
    // Best effort: a file left behind is hidden, and Recover deletes it.
    for (const std::string& name : batch.files) (void)RemoveFile(options_.root + "/" + name);
    batch.files.clear();
  }
  return st;
}

Status LakeWriter::Publish(const Batch& batch) const {
  for (const std::string& relative : batch.files) {
    const std::optional<BatchFile> file = ParseBatchFile(batch, relative);
    if (!file) {
      return Status::InvalidArgument(
          "lake: cannot publish " + relative + ": not a file of " + Describe(batch.partition) + " offsets " +
          std::to_string(batch.first_offset.value()) + "-" + std::to_string(batch.last_offset.value()));
    }
    const std::string hidden = options_.root + "/" + relative;
    const std::string visible = options_.root + "/" + VisiblePath(*file);
    CS_ASSIGN_OR_RETURN(const bool pending, PathExists(hidden));
    if (pending) {
      CS_RETURN_NOT_OK(RenameFile(hidden, visible));
    } else {
      CS_ASSIGN_OR_RETURN(const bool published, PathExists(visible));
      if (!published) {
        return Status::IoError("lake: cannot publish " + hidden +
                               ": neither it nor its published name exists, so rows recorded as written "
                               "are lost (was the lake directory changed or cleaned?)");
      }
    }
    // Also when already visible: the Publish that renamed it may have crashed before this fsync.
    CS_RETURN_NOT_OK(SyncDir(options_.root + "/" + DateDirName(file->date)));
  }
  return Status::OK();
}

Status LakeWriter::Recover(Partition partition, const std::vector<Batch>& recorded) {
  Discard(partition);
  std::optional<Offset> last;
  for (const Batch& batch : recorded) {
    if (batch.partition != partition) {
      return Status::InvalidArgument("lake: recovering " + Describe(partition) + " but given a batch of " +
                                     Describe(batch.partition));
    }
    CS_RETURN_NOT_OK(Publish(batch));
    if (!last || batch.last_offset > *last) last = batch.last_offset;
  }
  // Every hidden file of the partition left now belongs to no recorded batch.
  CS_ASSIGN_OR_RETURN(const std::vector<std::string> entries, ListDir(options_.root));
  for (const std::string& entry : entries) {
    if (!entry.starts_with(DateDirName(""))) continue;
    const std::string dir = options_.root + "/" + entry;
    CS_ASSIGN_OR_RETURN(const std::vector<std::string> names, ListDir(dir));
    bool removed = false;
    for (const std::string& name : names) {
      const std::optional<BatchFile> file = ParseHiddenPath(entry + "/" + name);
      if (!file || file->partition != partition) continue;
      CS_RETURN_NOT_OK(RemoveFile(dir + "/" + name));
      removed = true;
    }
    if (removed) CS_RETURN_NOT_OK(SyncDir(dir));
  }
  if (last) {
    auto state = std::make_unique<PartitionState>();
    state->last_offset = last;
    partitions_[partition] = std::move(state);
  }
  return Status::OK();
}

void LakeWriter::Discard(Partition partition) { partitions_.erase(partition); }

}  // namespace clickstream
