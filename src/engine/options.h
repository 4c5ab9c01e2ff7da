// Options of a PartitionEngine. The defaults are SPEC.md's; tests shrink or stretch them.
#pragma once

#include "common/status.h"
#include "common/types.h"

namespace clickstream {

struct EngineOptions {
  // How far the watermark trails the largest accepted event time (SPEC.md section 2). Events before the
  // watermark are late and dropped from every result. Default: 2 minutes.
  Duration allowed_lateness = Duration::Minutes(2);

  // Inactivity after which the next event of a user starts a new session (section 4). Default: 15 minutes.
  Duration session_gap = Duration::Minutes(15);

  // Length of the tumbling page_view_counts windows, aligned to the Unix epoch. Default: 1 minute.
  Duration page_view_window = Duration::Minutes(1);

  // Length and step of the sliding active_users windows, aligned to the Unix epoch; the length must be a
  // multiple of the step. Defaults: 5 minutes sliding by 1 minute.
  Duration active_users_window = Duration::Minutes(5);
  Duration active_users_slide = Duration::Minutes(1);

  // OK if the engine can run with these options. The active-users state tracks a user's recent steps in
  // a 32-step bitmap, so lateness / slide + window / slide must stay under 31.
  [[nodiscard]] Status Validate() const;

  bool operator==(const EngineOptions&) const = default;
};

}  // namespace clickstream
