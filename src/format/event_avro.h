// Events as Avro in the Confluent wire format, written by `clickstream produce --format avro` with Avro C.
// The schema it registers (kEventAvroSchema) carries event_time as a timestamp-micros long.
//
// Thread safety: an EventAvroWriter is not thread-safe; use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/event.h"

namespace clickstream {

// Record `clickstream.UserActivity`: event_time (long, timestamp-micros), user_id, page_url, event_type.
extern const std::string_view kEventAvroSchema;

class EventAvroWriter {
 public:
  // Writes records of kEventAvroSchema registered as `schema_id`.
  static Result<std::unique_ptr<EventAvroWriter>> Create(uint32_t schema_id);
  ~EventAvroWriter();
  EventAvroWriter(const EventAvroWriter&) = delete;
  EventAvroWriter& operator=(const EventAvroWriter&) = delete;

  // Appends the wire-format record of `e` to `out`.
  void Append(const Event& e, std::string* out);

 private:
  struct Impl;
  explicit EventAvroWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clickstream
