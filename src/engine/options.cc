#include "engine/options.h"

#include "common/duration_text.h"
#include "engine/active_users.h"

namespace clickstream {
namespace {

std::string Text(Duration d) { return FormatWholeSeconds(d); }

// Windows an event of a user's new step may add the user to: each costs a little per such event.
constexpr int64_t kMaxWindowSteps = 1440;

}  // namespace

Status EngineOptions::Validate() const {
  const Duration zero;
  if (allowed_lateness < zero) return Status::InvalidArgument("--watermark-delay must not be negative");
  if (session_gap <= zero) return Status::InvalidArgument("--session-gap must be positive");
  if (page_view_window <= zero) return Status::InvalidArgument("--page-view-window must be positive");
  if (active_users_slide <= zero) return Status::InvalidArgument("--active-users-slide must be positive");
  const int64_t slide = active_users_slide.micros();
  if (active_users_window < active_users_slide || active_users_window.micros() % slide != 0) {
    return Status::InvalidArgument(
        "--active-users-window " + Text(active_users_window) +
        " must be a multiple of --active-users-slide " + Text(active_users_slide) + ": e.g. " +
        Text(Duration::Micros((active_users_window.micros() / slide + 1) * slide)));
  }
  const int64_t lateness_steps = (allowed_lateness.micros() + slide - 1) / slide;
  if (lateness_steps > kMaxLatenessSteps) {
    return Status::InvalidArgument(
        "--watermark-delay " + Text(allowed_lateness) + " spans " + std::to_string(lateness_steps) +
        " steps of --active-users-slide " + Text(active_users_slide) + ", more than the " +
        std::to_string(kMaxLatenessSteps) + " an active user's state keeps: use a slide of at least " +
        Text(Duration::Seconds((allowed_lateness.micros() + kMaxLatenessSteps * 1'000'000 - 1) /
                               (kMaxLatenessSteps * 1'000'000))) +
        " or a shorter delay");
  }
  if (active_users_window.micros() / slide > kMaxWindowSteps) {
    return Status::InvalidArgument("--active-users-window " + Text(active_users_window) + " is more than " +
                                   std::to_string(kMaxWindowSteps) + " steps of --active-users-slide " +
                                   Text(active_users_slide) + ": use a longer slide");
  }
  return Status::OK();
}

std::string EngineOptions::ToString() const {
  return "page-view window " + Text(page_view_window) + ", active-user window " + Text(active_users_window) +
         " sliding by " + Text(active_users_slide) + ", session gap " + Text(session_gap) +
         ", watermark delay " + Text(allowed_lateness);
}

}  // namespace clickstream
