// Durations as users write them in flags and environment variables: "90s", "5m", "1h", or a bare number
// of seconds. Whole seconds only: the analytics settings (SPEC.md section 8) are whole seconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/types.h"

namespace clickstream {

// Parses digits followed by an optional unit s, m or h (seconds when none). InvalidArgument, saying the
// accepted form, for anything else, including 0, a fraction, a sign and more than 7 days.
[[nodiscard]] Result<Duration> ParseWholeSeconds(std::string_view text);

// The form ParseWholeSeconds reads back, in the largest unit that divides it: "90s", "2m", "1h". A
// duration that is not whole seconds (only tests make them) is written in microseconds: "1500us".
std::string FormatWholeSeconds(Duration d);

// A retention (`--results-retention`): "forever" (nullopt: keep everything), or whole seconds with a unit
// s, m, h or d (days) from 1m to 36500d. InvalidArgument, saying the accepted form, for anything else.
[[nodiscard]] Result<std::optional<Duration>> ParseRetention(std::string_view text);

// The form ParseRetention reads back: "forever", days when whole ("30d"), else as FormatWholeSeconds.
std::string FormatRetention(std::optional<Duration> retention);

}  // namespace clickstream
