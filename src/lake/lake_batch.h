// A sealed batch: the files holding one Kafka partition's rows for a range of offsets.
//
// The caller stores Serialize() in the same database transaction as the partition's consumed offsets,
// then publishes the batch; after a crash it hands the stored batch back to LakeWriter::Recover.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "lake/file_names.h"

namespace clickstream {

struct Batch {
  Partition partition;
  Offset first_offset;  // of the first row in the batch
  Offset last_offset;   // of the last row; the caller resumes after it
  // Hidden files relative to the lake root, one per event date (see file_names.h).
  std::vector<std::string> files;

  // Compact JSON for a text column, e.g.
  // {"partition":3,"first_offset":100,"last_offset":999,"files":["event_date=2026-03-01/.part-p3-..."]}
  std::string Serialize() const;
  // The inverse; rejects anything that is not a well-formed batch whose file names match its
  // partition and offsets, so a damaged record can never make the writer rename or delete other files.
  static Result<Batch> Parse(std::string_view text);

  bool operator==(const Batch&) const = default;
};

// The file `path` names if it is a hidden file of `batch` (same partition and offsets); else nullopt.
std::optional<BatchFile> ParseBatchFile(const Batch& batch, std::string_view path);

}  // namespace clickstream
