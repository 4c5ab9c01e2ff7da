// The current wall-clock time as an EventTime (UTC microseconds): processing times, the producer's
// event times, health checks. Only adapters and tools read it; the engine never does.
#pragma once

#include <chrono>

#include "common/types.h"

namespace clickstream {

inline EventTime WallClockNow() {
  return EventTime::FromMicros(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace clickstream
