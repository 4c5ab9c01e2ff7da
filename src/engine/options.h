// Options of a PartitionEngine: the analytics settings of SPEC.md section 8. The defaults are SPEC.md's;
// tests shrink or stretch them. `clickstream run` and `replay` set them from flags (cli/command.h).
#pragma once

#include <string>

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

  // OK if the engine can run with these options; else InvalidArgument, one line naming the flags to
  // change. The active-users state tracks a user's recent steps (slides) in a bitmap, which bounds the
  // steps an event can still reach: see ActiveUsers.
  [[nodiscard]] Status Validate() const;

  // "page-view window 1m, active-user window 5m sliding by 1m, session gap 15m, watermark delay 2m"
  std::string ToString() const;

  bool operator==(const EngineOptions&) const = default;
};

}  // namespace clickstream
