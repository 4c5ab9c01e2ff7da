// RFC 3339 timestamps <-> EventTime (microseconds, UTC).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/types.h"

namespace clickstream {

// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)` and normalises it to UTC. Fraction digits past
// the sixth are truncated. Returns nullopt for anything else, including a missing offset, an impossible
// date (2026-02-30), hour 24 and over, or leap seconds (second 60), which the pipeline does not model.
std::optional<EventTime> ParseRfc3339(std::string_view text);

// Formats as `2026-03-01T10:00:00.000000Z`: UTC, always six fraction digits.
std::string FormatRfc3339(EventTime t);

// Appends the same text to `out` without allocating a new string (for hot paths).
void AppendRfc3339(EventTime t, std::string* out);

// The UTC calendar date of `t` as `YYYY-MM-DD` (lake partitions).
std::string FormatDate(EventTime t);

}  // namespace clickstream
