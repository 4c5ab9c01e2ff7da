#include "lake/lake_batch.h"

#include <simdjson.h>

namespace clickstream {
namespace {

Status Invalid(std::string_view text, std::string_view why) {
  return Status::InvalidData("lake: bad batch record (" + std::string(why) + "): " + std::string(text));
}

}  // namespace

std::string Batch::Serialize() const {
  // File names are validated ASCII without quotes or backslashes, so no escaping is needed.
  std::string out = "{\"partition\":" + std::to_string(partition.id()) +
                    ",\"first_offset\":" + std::to_string(first_offset.value()) +
                    ",\"last_offset\":" + std::to_string(last_offset.value()) + ",\"files\":[";
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0) out += ',';
    out += '"' + files[i] + '"';
  }
  return out + "]}";
}

Result<Batch> Batch::Parse(std::string_view text) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  int64_t partition = 0;
  int64_t first = 0;
  int64_t last = 0;
  simdjson::ondemand::array files;
  if (parser.iterate(padded).get(doc) || doc["partition"].get_int64().get(partition) ||
      doc["first_offset"].get_int64().get(first) || doc["last_offset"].get_int64().get(last) ||
      doc["files"].get_array().get(files)) {
    return Invalid(text, "expected partition, first_offset, last_offset and files");
  }
  if (partition < 0 || partition > INT32_MAX || first < 0 || first > last) {
    return Invalid(text, "partition or offsets out of range");
  }
  Batch batch{Partition(static_cast<int32_t>(partition)), Offset(first), Offset(last), {}};
  for (auto value : files) {
    std::string_view path;
    if (value.get_string().get(path)) return Invalid(text, "file is not a string");
    if (!ParseBatchFile(batch, path)) return Invalid(text, "file name does not match the batch");
    batch.files.emplace_back(path);
  }
  return batch;
}

std::optional<BatchFile> ParseBatchFile(const Batch& batch, std::string_view path) {
  std::optional<BatchFile> f = ParseHiddenPath(path);
  if (!f || f->partition != batch.partition || f->first != batch.first_offset ||
      f->last != batch.last_offset) {
    return std::nullopt;
  }
  return f;
}

}  // namespace clickstream
