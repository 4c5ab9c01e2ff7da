// libFuzzer target for EventParser: any byte string must give an Event or a named rejection, never a
// crash, a sanitizer report or an accepted record that is not a valid JSON object of at most kMaxDepth
// levels, or whose other members (Event::attributes) are not those of the record as a JSON object.
// simdjson's fully validating DOM parser, limited to kMaxDepth, is the reference.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/rfc3339.h"
#include "engine/parser.h"

namespace {

simdjson::dom::parser& Reference() {
  static simdjson::dom::parser* parser = [] {
    auto* p = new simdjson::dom::parser();
    if (p->allocate(4096, clickstream::kMaxDepth)) std::abort();  // keeps its depth as it grows
    return p;
  }();
  return *parser;
}

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clickstream::RejectReason;
  static clickstream::EventParser parser;
  const std::string_view record(reinterpret_cast<const char*>(data), size);
  const clickstream::ParseOutcome outcome = parser.Parse(record);
  simdjson::dom::element root;
  const auto error = Reference().parse(record.data(), record.size()).get(root);
  if (!outcome.ok()) {
    const RejectReason reason = outcome.rejection().reason;
    if (clickstream::RejectReasonName(reason).empty()) std::abort();
    // JSON the reference takes is neither malformed, nor too deep, nor a bad surrogate to us.
    if (!error && (reason == RejectReason::kInvalidJson || reason == RejectReason::kInvalidUtf8 ||
                   reason == RejectReason::kTooDeep)) {
      std::abort();
    }
    return 0;
  }
  // The DOM parser refuses numbers beyond double range, which JSON allows (and the event parser ignores
  // in unknown fields): no verdict then.
  if (error == simdjson::NUMBER_ERROR) return 0;
  simdjson::dom::object object;
  if (error || root.get_object().get(object)) std::abort();
  const clickstream::Event& e = outcome.event();
  std::string_view user_id;
  if (object["user_id"].get_string().get(user_id) || user_id != e.user_id) std::abort();
  if (e.user_id.empty() || e.user_id.size() > clickstream::kMaxUserIdBytes || e.page_url.empty() ||
      e.page_url.size() > clickstream::kMaxPageUrlBytes || HasControlCharacter(e.user_id) ||
      HasControlCharacter(e.page_url)) {
    std::abort();
  }
  if (e.event_time < clickstream::kEarliestTime || e.event_time > clickstream::kLatestTime) std::abort();
  // The other members: a JSON object of all the record's members but the four fields, or nothing.
  const size_t members = object.size();  // read before the reference parser is reused below
  simdjson::dom::object others;
  if (e.attributes.empty() ? members != 4
                           : Reference().parse(e.attributes).get_object().get(others) ||
                                 others.size() + 4 != members) {
    std::abort();
  }
  return 0;
}
