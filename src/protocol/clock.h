// Clock: the wall-clock time as the service's orchestration reads it (lake buffers sealed by age, the
// time of the last commit pass), so that tests run it on a time of their choosing. SystemClock reads
// the system's; FixedClock stands still.
//
// Thread safety: Now() may be called from any thread.
#pragma once

#include "common/types.h"
#include "common/wall_clock.h"

namespace clickstream {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EventTime Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  EventTime Now() const override { return WallClockNow(); }
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(EventTime now) : now_(now) {}
  EventTime Now() const override { return now_; }

 private:
  EventTime now_;
};

}  // namespace clickstream
