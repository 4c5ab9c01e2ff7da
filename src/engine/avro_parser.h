// Avro input records (the Confluent wire format) decoded with Debian's Avro C, validated by the same rules
// as JSON records (SPEC.md section 1, engine/parser.h).
//
// A record is the magic byte 0, the id of its writer schema in the schema registry (4 bytes, big-endian)
// and the Avro binary encoding of one datum of that schema. The writer schema must be a record; its
// fields `event_time`, `user_id`, `page_url` and `event_type` are read by name, so fields it adds, drops
// or reorders change nothing (no reader schema is resolved against it). Each of the four is a string, or
// an enum (its symbol is the value), or a union holding one of those (a null branch counts as missing);
// `event_time` may also be a long with logicalType timestamp-micros or timestamp-millis.
//
// Hostile input: Avro C allocates what a datum declares and recurses into what its schema nests, so a
// writer schema is refused (a record written with it is `invalid_avro`) when it is recursive, nests
// deeper than kMaxDepth, or has an array or map of items that take no bytes (a five-byte record could
// claim 2^62 of them). Strings are checked to be UTF-8. Trailing bytes after the datum are refused.
//
// Thread safety: an AvroRecordDecoder is not thread-safe (it reuses one decoded value); use one per
// thread. The functions are.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>

#include "common/status.h"
#include "engine/parser.h"

namespace clickstream {

// Magic byte, then the schema id.
inline constexpr size_t kAvroHeaderBytes = 5;

struct AvroFrame {
  uint32_t schema_id = 0;
  std::string_view body;  // the Avro binary datum, a view into the record
};

// The schema id and body of a record in the wire format, or the rejection (invalid_wire_format).
std::variant<AvroFrame, Rejection> ReadAvroFrame(std::string_view record);

// `body` prefixed with the wire format's header for `schema_id`, appended to `out`.
void AppendAvroFrame(uint32_t schema_id, std::string_view body, std::string* out);

// Decodes the records written with one writer schema.
class AvroRecordDecoder {
 public:
  // InvalidData with the cause when `schema_json` is not an Avro schema or one refused above.
  static Result<std::unique_ptr<AvroRecordDecoder>> Create(std::string_view schema_json);
  ~AvroRecordDecoder();
  AvroRecordDecoder(const AvroRecordDecoder&) = delete;
  AvroRecordDecoder& operator=(const AvroRecordDecoder&) = delete;

  // The event in `body` (a frame's body), or why it is rejected: invalid_avro, missing_field, wrong_type,
  // invalid_utf8, or any rule of ValidateFields.
  ParseOutcome Decode(std::string_view body);

 private:
  struct Impl;
  explicit AvroRecordDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clickstream
