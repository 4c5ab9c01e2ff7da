// The Arrow and Parquet headers the lake uses; lake code includes Arrow only through this header.
//
// Arrow's headers define RETURN_NOT_OK for their inline code unless a RETURN_NOT_OK exists already, and
// common/status.h defines ours unconditionally. Hiding ours while Arrow's headers are read, and Arrow's
// afterwards, lets the two be included in either order.
#pragma once

#pragma push_macro("RETURN_NOT_OK")
#undef RETURN_NOT_OK

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

#undef RETURN_NOT_OK
#pragma pop_macro("RETURN_NOT_OK")
