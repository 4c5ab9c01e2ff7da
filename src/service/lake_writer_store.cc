#include "service/lake_writer_store.h"

#include <optional>
#include <utility>

namespace clickstream {
namespace {

// LakeWriter's taken rows; Write is const on the writer, so it may run beside appends.
class TakenWriterRows final : public SealedRows {
 public:
  TakenWriterRows(const LakeWriter* writer, LakeWriter::TakenRows rows)
      : writer_(writer), rows_(std::move(rows)) {}

  Result<Batch> Write() override { return writer_->Write(rows_); }

 private:
  const LakeWriter* writer_;
  LakeWriter::TakenRows rows_;
};

}  // namespace

std::unique_ptr<SealedRows> LakeWriterStore::Take(Partition partition) {
  std::optional<LakeWriter::TakenRows> taken = writer_->Take(partition);
  if (!taken) return nullptr;
  return std::make_unique<TakenWriterRows>(writer_, std::move(*taken));
}

}  // namespace clickstream
