// The Arrow and Parquet headers the lake uses; lake code includes Arrow only through this header.
// (Our macros are CS_-prefixed, so Arrow's RETURN_NOT_OK and ours never meet.)
#pragma once

#include <arrow/builder.h>
#include <arrow/io/file.h>
#include <arrow/record_batch.h>
#include <arrow/status.h>
#include <arrow/table.h>
#include <arrow/util/compression.h>
#include <arrow/util/io_util.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>
