#include "format/enriched_record.h"

#include <algorithm>
#include <array>

#include "common/json_writer.h"
#include "format/event_json.h"

namespace clickstream {
namespace {

// The members the enriched record adds, as the parsers write keys in Event::attributes.
constexpr std::array<std::string_view, 2> kAddedKeys = {"\"processing_time\":", "\"is_late\":"};

bool IsAdded(std::string_view member) {
  return std::any_of(kAddedKeys.begin(), kAddedKeys.end(),
                     [&](std::string_view key) { return member.starts_with(key); });
}

// Calls `member` with the text of each top-level member of `object`, a non-empty Event::attributes.
// A loop over its bytes, aware of strings and escapes.
template <typename F>
void ForEachMember(std::string_view object, F member) {
  int depth = 0;
  size_t start = 1;
  for (size_t i = 1; i + 1 < object.size(); ++i) {
    switch (object[i]) {
      case '"':
        for (++i; object[i] != '"'; ++i) i += object[i] == '\\';
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        --depth;
        break;
      case ',':
        if (depth == 0) {
          member(object.substr(start, i - start));
          start = i + 1;
        }
        break;
      default:
        break;
    }
  }
  member(object.substr(start, object.size() - 1 - start));
}

// The record's other members: all of them, but for those named like a member the enriched record adds,
// whose value the pipeline sets (the lake keeps the record's own).
void WriteAttributes(std::string_view attributes, JsonWriter* w) {
  if (attributes.empty()) return;
  const bool named_like_added = std::any_of(kAddedKeys.begin(), kAddedKeys.end(), [&](std::string_view key) {
    return attributes.find(key) != std::string_view::npos;
  });
  if (!named_like_added) return w->RawMembers(attributes.substr(1, attributes.size() - 2));
  ForEachMember(attributes, [&](std::string_view member) {
    if (!IsAdded(member)) w->RawMembers(member);
  });
}

}  // namespace

void EnrichedRecordJson(const Event& event, EventTime processing_time, bool is_late, std::string* out) {
  out->clear();
  JsonWriter w(out);
  w.Begin();
  WriteEventFields(event, &w);
  WriteAttributes(event.attributes, &w);
  w.Field("processing_time", processing_time);
  w.Field("is_late", is_late);
  w.End();
}

std::vector<std::pair<std::string, std::string>> DeadLetterHeaders(const Rejection& rejection,
                                                                   const DeadLetterOrigin& source) {
  return {{"reason", std::string(RejectReasonName(rejection.reason))},
          {"detail", rejection.detail},
          {"source_topic", std::string(source.topic)},
          {"source_partition", std::to_string(source.partition.id())},
          {"source_offset", std::to_string(source.offset.value())}};
}

}  // namespace clickstream
