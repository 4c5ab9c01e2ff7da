#include "format/event_avro.h"

#include <avro.h>

#include "engine/avro_parser.h"

namespace clickstream {

const std::string_view kEventAvroSchema =
    R"({"type":"record","name":"UserActivity","namespace":"clickstream",)"
    R"("fields":[)"
    R"({"name":"event_time","type":{"type":"long","logicalType":"timestamp-micros"}},)"
    R"({"name":"user_id","type":"string"},)"
    R"({"name":"page_url","type":"string"},)"
    R"({"name":"event_type","type":"string"}]})";

struct EventAvroWriter::Impl {
  uint32_t schema_id = 0;
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  avro_writer_t writer = nullptr;
  std::string buffer;  // the datum; strings are at most a few KiB (SPEC.md section 1)

  ~Impl() {
    if (writer) avro_writer_free(writer);
    if (value.iface) avro_value_decref(&value);
    if (iface) avro_value_iface_decref(iface);
    if (schema) avro_schema_decref(schema);
  }

  void SetString(int index, std::string_view s) {
    avro_value_t field;
    avro_value_get_by_index(&value, index, &field, nullptr);
    avro_value_set_string_len(&field, std::string(s).c_str(), s.size() + 1);
  }
};

EventAvroWriter::EventAvroWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventAvroWriter::~EventAvroWriter() = default;

Result<std::unique_ptr<EventAvroWriter>> EventAvroWriter::Create(uint32_t schema_id) {
  auto impl = std::make_unique<Impl>();
  impl->schema_id = schema_id;
  if (avro_schema_from_json_length(kEventAvroSchema.data(), kEventAvroSchema.size(), &impl->schema) != 0 ||
      !(impl->iface = avro_generic_class_from_schema(impl->schema)) ||
      avro_generic_value_new(impl->iface, &impl->value) != 0) {
    return Status::Internal(std::string("avro: the event schema: ") + avro_strerror());
  }
  return std::unique_ptr<EventAvroWriter>(new EventAvroWriter(std::move(impl)));
}

void EventAvroWriter::Append(const Event& e, std::string* out) {
  Impl& w = *impl_;
  avro_value_t field;
  avro_value_get_by_index(&w.value, 0, &field, nullptr);
  avro_value_set_long(&field, e.event_time.micros());
  w.SetString(1, e.user_id);
  w.SetString(2, e.page_url);
  w.SetString(3, EventTypeName(e.event_type));
  size_t size = 0;
  avro_value_sizeof(&w.value, &size);
  w.buffer.resize(size);
  if (!w.writer) w.writer = avro_writer_memory(w.buffer.data(), static_cast<int64_t>(size));
  avro_writer_memory_set_dest(w.writer, w.buffer.data(), static_cast<int64_t>(size));
  avro_value_write(w.writer, &w.value);
  AppendAvroFrame(w.schema_id, w.buffer, out);
}

}  // namespace clickstream
