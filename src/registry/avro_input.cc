#include "registry/avro_input.h"

#include <string>
#include <utility>

namespace clickstream {

AvroInput::AvroInput(std::unique_ptr<SchemaRegistry> registry) : registry_(std::move(registry)) {}

Result<ParseOutcome> AvroInput::Parse(std::string_view record) {
  auto frame = ReadAvroFrame(record);
  if (auto* rejection = std::get_if<Rejection>(&frame)) return ParseOutcome(std::move(*rejection));
  const AvroFrame& f = std::get<AvroFrame>(frame);
  auto it = entries_.find(f.schema_id);
  if (it == entries_.end()) {
    Result<std::string> schema = registry_->Schema(f.schema_id);
    const std::string id = "schema id " + std::to_string(f.schema_id);
    Entry entry;
    if (schema.ok()) {
      auto decoder = AvroRecordDecoder::Create(*schema);
      entry = decoder.ok()
                  ? Entry(std::move(*decoder))
                  : Entry(Rejection{RejectReason::kInvalidAvro, id + ": " + decoder.status().message()});
    } else if (schema.status().code() == StatusCode::kNotFound) {
      entry = Rejection{RejectReason::kUnknownSchemaId, id + ": not in the schema registry"};
    } else if (schema.status().code() == StatusCode::kInvalidData) {
      entry = Rejection{RejectReason::kInvalidAvro, schema.status().message()};
    } else {
      return schema.status();
    }
    ++answers_;
    if (entries_.size() >= kMaxEntries) {
      std::erase_if(entries_, [](const auto& e) { return std::holds_alternative<Rejection>(e.second); });
    }
    it = entries_.emplace(f.schema_id, std::move(entry)).first;
  }
  if (auto* rejection = std::get_if<Rejection>(&it->second)) return ParseOutcome(*rejection);
  return std::get<std::unique_ptr<AvroRecordDecoder>>(it->second)->Decode(f.body);
}

}  // namespace clickstream
