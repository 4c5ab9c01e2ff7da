// Names of lake files. A batch of partition p holding offsets [first, last] has one file per event date:
//
//   in progress (hidden): event_date=2026-03-01/.part-p3-o<first>-o<last>.parquet.<writer_id>.inprogress
//   published (visible):  event_date=2026-03-01/part-p3-o<first>-o<last>.parquet
//
// Offsets are zero-padded to 19 digits (any int64) so names sort by offset. Readers skip the hidden
// name twice over: it starts with `.` (pyarrow, Spark) and does not end in `.parquet` (DuckDB globs).
// The visible name depends only on the offsets, so publishing the same batch twice is harmless.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/types.h"

namespace clickstream {

struct BatchFile {
  std::string date;  // YYYY-MM-DD
  Partition partition;
  Offset first;
  Offset last;
  std::string writer_id;
};

// "event_date=YYYY-MM-DD"
std::string DateDirName(std::string_view date);

// Paths relative to the lake root.
std::string HiddenPath(const BatchFile& f);
std::string VisiblePath(const BatchFile& f);

// The inverse of HiddenPath; nullopt for any other path (so a corrupt record cannot point elsewhere).
std::optional<BatchFile> ParseHiddenPath(std::string_view path);

// Letters, digits, `_` and `-`, at least one.
bool IsValidWriterId(std::string_view id);

}  // namespace clickstream
