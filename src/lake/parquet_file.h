// Writes one lake Parquet file durably.
#pragma once

#include <string>

#include "common/status.h"
#include "lake/arrow_headers.h"
#include "lake/lake_options.h"

namespace clickstream {

// Creates or truncates `path`, writes `table` with the options' compression and row-group size, and
// fsyncs the file (not its directory). A failure may leave a partial file for the caller to remove.
Status WriteParquetFile(const std::string& path, const arrow::Table& table, const LakeOptions& options);

// Whether this build of Arrow can write `compression`.
bool CompressionAvailable(LakeCompression compression);

}  // namespace clickstream
