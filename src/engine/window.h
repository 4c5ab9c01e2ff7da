// Epoch-aligned windows: integer arithmetic on event times, floor-rounded so that times before 1970
// fall in the right window too.
#pragma once

#include <cstdint>

#include "common/types.h"

namespace clickstream {

// floor(a / b) for b > 0.
constexpr int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0); }

// Start of the window of length `size` (aligned to the epoch) that contains t: windows are [start,
// start+size).
constexpr EventTime WindowStart(EventTime t, Duration size) {
  return EventTime::FromMicros(FloorDiv(t.micros(), size.micros()) * size.micros());
}

// A window is final once the watermark reaches its end: every event still accepted is at or after W.
constexpr bool WindowIsFinal(EventTime window_end, Watermark w) { return w.time() >= window_end; }

}  // namespace clickstream
