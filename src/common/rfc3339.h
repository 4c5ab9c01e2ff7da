// RFC 3339 timestamps <-> EventTime (microseconds, UTC).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/types.h"

namespace clickstream {

// The instants ParseRfc3339 accepts: years 0001-9999 in UTC, the years every reader of our outputs
// (PostgreSQL, Arrow, JSON consumers) can write with four digits.
inline constexpr EventTime kEarliestTime = EventTime::FromMicros(-62'135'596'800'000'000);  // 0001-01-01
inline constexpr EventTime kLatestTime = EventTime::FromMicros(253'402'300'799'999'999);    // 9999-12-31

// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)` and normalises it to UTC. Fraction digits past
// the sixth are truncated. Returns nullopt for anything else, including a missing offset, an impossible
// date (2026-02-30), hour 24 and over, leap seconds (second 60), which the pipeline does not model, and
// an instant outside [kEarliestTime, kLatestTime] once the offset is applied (0000-12-31T23:59:00-00:01
// is 0001-01-01T00:00:00Z and valid; 0000-01-01T00:00:00+00:01 is not).
std::optional<EventTime> ParseRfc3339(std::string_view text);

// Formats as `2026-03-01T10:00:00.000000Z`: UTC, always six fraction digits. Parsed times are within years
// 0001-9999; the bounds of windows holding the first or last minutes of that range are not, and get the
// expanded years of ISO 8601 (`+10000-01-01T00:04:00.000000Z`, `0000-12-31T23:56:00.000000Z`) rather
// than a wrong date.
std::string FormatRfc3339(EventTime t);

// Appends the same text to `out` without allocating a new string (for hot paths).
void AppendRfc3339(EventTime t, std::string* out);

// The UTC calendar date of `t` as `YYYY-MM-DD` (lake partitions, by event time: always four digits).
std::string FormatDate(EventTime t);

}  // namespace clickstream
