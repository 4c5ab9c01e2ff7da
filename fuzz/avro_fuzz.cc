// libFuzzer target for Avro input: the first byte picks one of a few writer schemas (the producer's, an
// evolved one with an enum, unions, a map, an array and a nested record, one with event_time as text),
// the rest is the Avro datum. Any bytes must give an Event or a named rejection, never a crash or a
// sanitizer report, and an accepted Event must satisfy SPEC.md section 1, its other fields one JSON object.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include <simdjson.h>

#include "common/rfc3339.h"
#include "engine/avro_parser.h"

namespace {

constexpr std::array<std::string_view, 3> kSchemas = {
    R"({"type":"record","name":"A","fields":[
        {"name":"event_time","type":{"type":"long","logicalType":"timestamp-micros"}},
        {"name":"user_id","type":"string"},{"name":"page_url","type":"string"},
        {"name":"event_type","type":"string"}]})",
    R"({"type":"record","name":"B","fields":[
        {"name":"tags","type":{"type":"array","items":"string"}},
        {"name":"event_type","type":{"type":"enum","name":"T","symbols":["page_view","click","session_start","session_end"]}},
        {"name":"attrs","type":{"type":"map","values":["null","double","bytes"]}},
        {"name":"user_id","type":["null","string"]},
        {"name":"s","type":{"type":"record","name":"S","fields":[{"name":"id","type":"long"},{"name":"f","type":{"type":"fixed","name":"F","size":3}}]}},
        {"name":"event_time","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
        {"name":"page_url","type":"string"},{"name":"next","type":["null","S"]}]})",
    R"({"type":"record","name":"C","fields":[
        {"name":"event_time","type":"string"},{"name":"user_id","type":"string"},
        {"name":"page_url","type":["string","int"]},{"name":"event_type","type":"string"}]})",
};

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clickstream;
  static std::array<std::unique_ptr<AvroRecordDecoder>, kSchemas.size()> decoders = [] {
    std::array<std::unique_ptr<AvroRecordDecoder>, kSchemas.size()> out;
    for (size_t i = 0; i < kSchemas.size(); ++i) {
      auto decoder = AvroRecordDecoder::Create(kSchemas[i]);
      if (!decoder.ok()) std::abort();
      out[i] = std::move(*decoder);
    }
    return out;
  }();
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const ParseOutcome outcome = decoders[data[0] % kSchemas.size()]->Decode(body);
  if (!outcome.ok()) {
    if (RejectReasonName(outcome.rejection().reason).empty()) std::abort();
    return 0;
  }
  const Event& e = outcome.event();
  if (e.user_id.empty() || e.user_id.size() > kMaxUserIdBytes || HasControlCharacter(e.user_id)) std::abort();
  if (e.page_url.empty() || e.page_url.size() > kMaxPageUrlBytes || HasControlCharacter(e.page_url)) std::abort();
  if (e.event_time < kEarliestTime || e.event_time > kLatestTime) std::abort();
  // The other fields in the JSON encoding: one JSON object (valid UTF-8, every number within double range).
  static simdjson::dom::parser json;
  simdjson::dom::object others;
  if (!e.attributes.empty() && json.parse(e.attributes).get_object().get(others)) std::abort();
  return 0;
}
