// The Arrow form of lake rows: the file schema and a columnar buffer for one partition and date.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "lake/arrow_headers.h"
#include "lake/lake_row.h"

namespace clickstream {

// event_time and processing_time are timestamp[us, UTC]. `attributes`, the last column, is the JSON text
// of the record's other members ("{}" when it had none); it is nullable because files written before it
// existed lack it, and readers that merge schemas by name (DuckDB's union_by_name, pyarrow's
// unify_schemas, Spark's mergeSchema) give those rows NULL. No other column is nullable. event_date is
// not a column: readers take it from the `event_date=` directory (hive partitioning), and a copy inside
// the file would clash with it in pyarrow.
const std::shared_ptr<arrow::Schema>& LakeSchema();

// The pool of the lake's buffers and of the Parquet writer: the process's malloc rather than Arrow's
// default pool (mimalloc in the Arrow build we link), which keeps freed pages for its own reuse, so each
// partition's sealed buffers stayed resident beside the glibc heaps. From malloc, blocks of
// M_MMAP_THRESHOLD (src/cli/main.cc) and more are mapped on their own and go back to the system when
// freed. What it does to peak RSS is in docs/benchmarks.md.
arrow::MemoryPool* LakeMemoryPool();

class RowBuffer {
 public:
  explicit RowBuffer(arrow::MemoryPool* pool);

  Status Append(Partition partition, Offset offset, const LakeRow& row);

  // Every row appended so far. The rows stay buffered, so a write that failed can be retried.
  Result<std::shared_ptr<arrow::Table>> ToTable();

 private:
  arrow::TimestampBuilder event_time_;
  arrow::StringBuilder user_id_;
  arrow::StringBuilder page_url_;
  arrow::StringBuilder event_type_;
  arrow::BooleanBuilder is_late_;
  arrow::Int32Builder kafka_partition_;
  arrow::Int64Builder kafka_offset_;
  arrow::TimestampBuilder processing_time_;
  arrow::StringBuilder attributes_;
  // Rows already moved out of the builders by an earlier ToTable().
  std::vector<std::shared_ptr<arrow::RecordBatch>> chunks_;
};

}  // namespace clickstream
