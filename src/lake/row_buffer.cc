#include "lake/row_buffer.h"

#include "lake/lake_error.h"

namespace clickstream {
namespace {

std::shared_ptr<arrow::DataType> UtcMicros() { return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"); }

}  // namespace

const std::shared_ptr<arrow::Schema>& LakeSchema() {
  static const auto* schema = new std::shared_ptr<arrow::Schema>(arrow::schema({
      arrow::field("event_time", UtcMicros(), /*nullable=*/false),
      arrow::field("user_id", arrow::utf8(), /*nullable=*/false),
      arrow::field("page_url", arrow::utf8(), /*nullable=*/false),
      arrow::field("event_type", arrow::utf8(), /*nullable=*/false),
      arrow::field("is_late", arrow::boolean(), /*nullable=*/false),
      arrow::field("kafka_partition", arrow::int32(), /*nullable=*/false),
      arrow::field("kafka_offset", arrow::int64(), /*nullable=*/false),
      arrow::field("processing_time", UtcMicros(), /*nullable=*/false),
      arrow::field("attributes", arrow::utf8(), /*nullable=*/true),
  }));
  return *schema;
}

arrow::MemoryPool* LakeMemoryPool() { return arrow::system_memory_pool(); }

RowBuffer::RowBuffer(arrow::MemoryPool* pool)
    : event_time_(UtcMicros(), pool),
      user_id_(pool),
      page_url_(pool),
      event_type_(pool),
      is_late_(pool),
      kafka_partition_(pool),
      kafka_offset_(pool),
      processing_time_(UtcMicros(), pool),
      attributes_(pool) {}

Status RowBuffer::Append(Partition partition, Offset offset, const LakeRow& row) {
  const arrow::Status st = [&] {
    ARROW_RETURN_NOT_OK(event_time_.Append(row.event_time.micros()));
    ARROW_RETURN_NOT_OK(user_id_.Append(row.user_id));
    ARROW_RETURN_NOT_OK(page_url_.Append(row.page_url));
    ARROW_RETURN_NOT_OK(event_type_.Append(EventTypeName(row.event_type)));
    ARROW_RETURN_NOT_OK(is_late_.Append(row.is_late));
    ARROW_RETURN_NOT_OK(kafka_partition_.Append(partition.id()));
    ARROW_RETURN_NOT_OK(kafka_offset_.Append(offset.value()));
    ARROW_RETURN_NOT_OK(processing_time_.Append(row.processing_time.micros()));
    return attributes_.Append(row.attributes.empty() ? std::string_view("{}") : row.attributes);
  }();
  // Only allocation fails here. The row may be half appended, so LakeWriter drops the whole buffer.
  return st.ok() ? Status::OK() : LakeArrowError("buffer a row", st);
}

Result<std::shared_ptr<arrow::Table>> RowBuffer::ToTable() {
  if (kafka_offset_.length() > 0) {
    const int64_t rows = kafka_offset_.length();
    std::vector<std::shared_ptr<arrow::Array>> columns(9);
    const arrow::Status st = [&] {
      ARROW_RETURN_NOT_OK(event_time_.Finish(&columns[0]));
      ARROW_RETURN_NOT_OK(user_id_.Finish(&columns[1]));
      ARROW_RETURN_NOT_OK(page_url_.Finish(&columns[2]));
      ARROW_RETURN_NOT_OK(event_type_.Finish(&columns[3]));
      ARROW_RETURN_NOT_OK(is_late_.Finish(&columns[4]));
      ARROW_RETURN_NOT_OK(kafka_partition_.Finish(&columns[5]));
      ARROW_RETURN_NOT_OK(kafka_offset_.Finish(&columns[6]));
      ARROW_RETURN_NOT_OK(processing_time_.Finish(&columns[7]));
      return attributes_.Finish(&columns[8]);
    }();
    if (!st.ok()) return LakeArrowError("finish buffered rows", st);
    chunks_.push_back(arrow::RecordBatch::Make(LakeSchema(), rows, std::move(columns)));
  }
  auto table = arrow::Table::FromRecordBatches(LakeSchema(), chunks_);
  if (!table.ok()) return LakeArrowError("assemble buffered rows", table.status());
  return *std::move(table);
}

}  // namespace clickstream
