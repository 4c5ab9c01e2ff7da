// Avro input records decoded with their writer schemas, fetched from the schema registry by id the first
// time an id is seen and kept for the life of the process (a registered schema never changes).
//
// A record whose id the registry does not know (404) is rejected (unknown_schema_id), and so is any
// record with that id afterwards, without asking again: replays decide as the first reading did. A
// writer schema that is not Avro, or one AvroRecordDecoder refuses, makes its records invalid_avro.
// A registry that cannot answer (down, timing out, 5xx, refusing our credentials) is not a property of
// the record: Parse fails with that Status, and the caller retries the record later.
//
// Thread safety: not thread-safe; one per consuming thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string_view>
#include <variant>

#include "common/status.h"
#include "engine/avro_parser.h"
#include "registry/schema_registry.h"

namespace clickstream {

class AvroInput {
 public:
  explicit AvroInput(std::unique_ptr<SchemaRegistry> registry);

  // The record's event or rejection; a non-OK Status when its schema is needed and the registry did not
  // answer (nothing is cached then).
  Result<ParseOutcome> Parse(std::string_view record);

  // Lookups the registry answered (a schema or a 404) so far: tells when an outage ended.
  int64_t answers() const { return answers_; }

 private:
  // A usable writer schema, or why its records are rejected.
  using Entry = std::variant<std::unique_ptr<AvroRecordDecoder>, Rejection>;
  // Bound on cached ids: a hostile producer naming random ids costs one request per id and no more
  // than this many entries (past it, rejections are forgotten first).
  static constexpr size_t kMaxEntries = 100'000;

  std::unique_ptr<SchemaRegistry> registry_;
  std::map<uint32_t, Entry> entries_;
  int64_t answers_ = 0;
};

}  // namespace clickstream
