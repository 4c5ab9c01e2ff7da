#include "lake/parquet_file.h"

#include "lake/durable_fs.h"
#include "lake/lake_error.h"
#include "lake/row_buffer.h"

namespace clickstream {
namespace {

arrow::Compression::type Codec(LakeCompression compression) {
  return compression == LakeCompression::kZstd ? arrow::Compression::ZSTD : arrow::Compression::SNAPPY;
}

}  // namespace

bool CompressionAvailable(LakeCompression compression) {
  return arrow::util::Codec::IsAvailable(Codec(compression));
}

Status WriteParquetFile(const std::string& path, const arrow::Table& table, const LakeOptions& options) {
  auto out = arrow::io::FileOutputStream::Open(path);
  if (!out.ok()) return LakeArrowError("write " + path, out.status());
  // Before any byte is written: the umask decided the mode it was created with.
  CS_RETURN_NOT_OK(SetMode(path, options.file_mode));
  const auto properties = parquet::WriterProperties::Builder()
                              .compression(Codec(options.compression))
                              ->max_row_group_length(options.row_group_rows)
                              ->memory_pool(LakeMemoryPool())
                              ->build();
  const arrow::Status st =
      parquet::arrow::WriteTable(table, LakeMemoryPool(), *out, options.row_group_rows, properties);
  // Closing twice is harmless, and a failed WriteTable may leave the stream open.
  const arrow::Status closed = (*out)->Close();
  if (!st.ok()) return LakeArrowError("write " + path, st);
  if (!closed.ok()) return LakeArrowError("write " + path, closed);
  return SyncFile(path);
}

}  // namespace clickstream
