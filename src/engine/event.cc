#include "engine/event.h"

#include <array>

namespace clickstream {
namespace {
constexpr std::array<std::string_view, 4> kNames = {"page_view", "click", "session_start", "session_end"};
}  // namespace

std::string_view EventTypeName(EventType type) { return kNames[static_cast<size_t>(type)]; }

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

}  // namespace clickstream
