// The watermark of one partition (SPEC.md section 2): W = largest accepted event time - allowed lateness,
// None before the first event. An event is late iff event_time < W, W taken before the event itself.
//
// Thread safety: a value; not synchronised.
#pragma once

#include "common/check.h"
#include "common/types.h"

namespace clickstream {

class WatermarkTracker {
 public:
  explicit WatermarkTracker(Duration allowed_lateness) : allowed_lateness_(allowed_lateness) {}

  Watermark watermark() const { return watermark_; }
  // The largest accepted event time; EventTime::Min() before the first.
  EventTime max_event_time() const { return max_event_time_; }

  bool IsLate(EventTime t) const { return watermark_.IsLate(t); }
  // W - t: how late a late event is. REQUIRES: IsLate(t).
  Duration Lateness(EventTime t) const {
    CS_DCHECK(IsLate(t)) << "lateness of an event that is not late";
    return watermark_.time() - t;
  }

  // Records an accepted event. Returns true if the watermark advanced. REQUIRES: !IsLate(t).
  bool Accept(EventTime t) {
    CS_DCHECK(!IsLate(t)) << "a late event accepted";
    if (t <= max_event_time_) return false;
    max_event_time_ = t;
    watermark_ = Watermark(t - allowed_lateness_);
    return true;
  }

 private:
  Duration allowed_lateness_;
  EventTime max_event_time_ = EventTime::Min();
  Watermark watermark_;
};

}  // namespace clickstream
