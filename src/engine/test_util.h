// Helpers shared by the engine's tests: readable times and events.
#pragma once

#include <string>
#include <string_view>

#include "common/rfc3339.h"
#include "engine/changes.h"
#include "engine/event.h"
#include "engine/partition_engine.h"
#include "engine/result_table.h"

namespace clickstream::testing_util {

// "10:31" or "10:31:05.5" on 2026-03-01, UTC.
inline EventTime At(std::string_view hh_mm) {
  return *ParseRfc3339("2026-03-01T" + std::string(hh_mm) + (hh_mm.size() == 5 ? ":00Z" : "Z"));
}

inline Event Ev(std::string_view hh_mm, std::string_view type, std::string_view user = "u1",
                std::string_view url = "https://example.com/home") {
  return Event{At(hh_mm), std::string(user), std::string(url), *EventTypeFromName(type)};
}

// Feeds events to an engine and keeps the tables a sink would hold.
class EngineHarness {
 public:
  explicit EngineHarness(EngineOptions options = {}) : engine(options) {}

  Admission Add(const Event& e) { return engine.Add(e); }
  // Takes the changes, applies them to `table` and returns them.
  const Changes& Take() {
    engine.TakeChanges(&changes);
    table.Apply(changes);
    return changes;
  }
  const SessionRow& Session(std::string_view user, std::string_view start) {
    return table.sessions().at(SessionKey{std::string(user), At(start)});
  }

  PartitionEngine engine;
  ResultTable table;
  Changes changes;
};

}  // namespace clickstream::testing_util
