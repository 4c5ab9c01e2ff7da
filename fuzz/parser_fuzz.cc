// libFuzzer target for EventParser: any byte string must give an Event or a named rejection, never a
// crash, a sanitizer report or an accepted record that is not a valid JSON object.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static clickstream::EventParser parser;
  static simdjson::dom::parser reference;
  const std::string_view record(reinterpret_cast<const char*>(data), size);
  const clickstream::ParseOutcome outcome = parser.Parse(record);
  if (!outcome.ok()) {
    if (clickstream::RejectReasonName(outcome.rejection().reason).empty()) std::abort();
    return 0;
  }
  // Oracle: an accepted record is an object for simdjson's fully validating DOM parser too, with the
  // fields the event was built from. The DOM parser refuses numbers beyond double range, which JSON
  // allows (and the event parser ignores in unknown fields): no verdict then.
  simdjson::dom::element root;
  const auto error = reference.parse(record.data(), record.size()).get(root);
  if (error == simdjson::NUMBER_ERROR) return 0;
  simdjson::dom::object object;
  if (error || root.get_object().get(object)) std::abort();
  std::string_view user_id;
  if (object["user_id"].get_string().get(user_id) || user_id != outcome.event().user_id) std::abort();
  const auto& e = outcome.event();
  if (e.user_id.empty() || e.user_id.size() > clickstream::kMaxUserIdBytes || e.page_url.empty() ||
      e.page_url.size() > clickstream::kMaxPageUrlBytes) {
    std::abort();
  }
  return 0;
}
