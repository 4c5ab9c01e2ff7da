// An accepted website activity event (SPEC.md section 1), after validation and normalisation to UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/types.h"

namespace clickstream {

enum class EventType : uint8_t { kPageView, kClick, kSessionStart, kSessionEnd };

// The wire name: "page_view", "click", "session_start", "session_end".
std::string_view EventTypeName(EventType type);
// The inverse of EventTypeName; nullopt for anything else (names are case-sensitive).
std::optional<EventType> EventTypeFromName(std::string_view name);

struct Event {
  EventTime event_time;
  std::string user_id;   // non-empty, at most 256 bytes, valid UTF-8
  std::string page_url;  // non-empty, at most 2048 bytes, valid UTF-8
  EventType event_type = EventType::kPageView;
  // The record's other top-level members, in the order sent, as the JSON text of one object: each value
  // byte for byte as sent, each key as its decoded text in minimal JSON escaping. Empty when there are none.
  std::string attributes{};

  bool operator==(const Event&) const = default;
};

}  // namespace clickstream
