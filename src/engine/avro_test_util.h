// Avro binary data written by hand for tests (zigzag varints, length-prefixed strings), so that the
// decoder is checked against the specification rather than against the library it uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/avro_parser.h"

namespace clickstream::testing_util {

// Appends the Avro encoding of a long (an int is encoded the same way).
inline void AvroLong(int64_t v, std::string* out) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out->push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

// Appends the Avro encoding of a string (or bytes).
inline void AvroString(std::string_view s, std::string* out) {
  AvroLong(static_cast<int64_t>(s.size()), out);
  out->append(s);
}

// The wire-format record of `body` for schema `id`.
inline std::string AvroRecord(uint32_t id, std::string_view body) {
  std::string out;
  AppendAvroFrame(id, body, &out);
  return out;
}

// A writer schema with the four fields in SPEC order: event_time as timestamp-micros, the others strings.
inline constexpr std::string_view kClickSchemaV1 = R"({"type":"record","name":"Click","namespace":"test",
  "fields":[{"name":"event_time","type":{"type":"long","logicalType":"timestamp-micros"}},
            {"name":"user_id","type":"string"},{"name":"page_url","type":"string"},
            {"name":"event_type","type":"string"}]})";

// kClickSchemaV1's encoding of an event.
inline std::string ClickV1(int64_t event_time_micros, std::string_view user, std::string_view url,
                           std::string_view type) {
  std::string body;
  AvroLong(event_time_micros, &body);
  AvroString(user, &body);
  AvroString(url, &body);
  AvroString(type, &body);
  return body;
}

}  // namespace clickstream::testing_util
