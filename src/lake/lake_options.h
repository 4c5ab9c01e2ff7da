// Settings of the Parquet lake sink (LakeWriter::Open validates them).
#pragma once

#include <cstdint>
#include <string>

#include "common/types.h"

namespace clickstream {

enum class LakeCompression { kZstd, kSnappy };

struct LakeOptions {
  // Directory that holds the `event_date=YYYY-MM-DD/` folders. Created (with its parents) if missing.
  // Required.
  std::string root;

  // Names this writer's in-progress files so that two processes that briefly both think they own a
  // partition (during a consumer-group rebalance) never write the same file. Use something unique per
  // process incarnation and partition owner, e.g. the partition's fencing token or host-pid-start.
  // Letters, digits, `_` and `-` only. Required.
  std::string writer_id;

  // ShouldSeal() says yes once a partition buffers this many bytes of row data (uncompressed, in
  // memory). With zstd a file is several times smaller than this, so the default still gives files of
  // several MiB rather than a flood of small ones. Memory use is about this much per partition.
  // Default: 64 MiB.
  int64_t roll_bytes = int64_t{64} << 20;

  // ShouldSeal() also says yes once the oldest buffered row was read this long ago (processing time),
  // so a quiet partition still reaches the lake. Default: 5 minutes.
  Duration roll_age = Duration::Minutes(5);

  // Rows per Parquet row group: the unit a reader skips or reads in parallel. Default: 1 Mi rows.
  int64_t row_group_rows = int64_t{1} << 20;

  // Column compression. zstd compresses better; snappy is cheaper on CPU. Default: zstd.
  LakeCompression compression = LakeCompression::kZstd;

  // Permissions of the files and of the directories the writer creates (whatever the umask): not
  // world-readable by default. The owner must keep read and write (files) and rwx (directories).
  // Default: 0640 and 0750.
  unsigned file_mode = 0640;
  unsigned dir_mode = 0750;
};

}  // namespace clickstream
