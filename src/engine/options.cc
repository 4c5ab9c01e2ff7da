#include "engine/options.h"

namespace clickstream {

Status EngineOptions::Validate() const {
  const Duration zero;
  if (allowed_lateness < zero) return Status::InvalidArgument("allowed lateness must not be negative");
  if (session_gap <= zero) return Status::InvalidArgument("session gap must be positive");
  if (page_view_window <= zero) return Status::InvalidArgument("page view window must be positive");
  if (active_users_slide <= zero || active_users_window < active_users_slide ||
      active_users_window.micros() % active_users_slide.micros() != 0) {
    return Status::InvalidArgument("active users window must be a positive multiple of its slide");
  }
  const int64_t slide = active_users_slide.micros();
  const int64_t lateness_steps = (allowed_lateness.micros() + slide - 1) / slide;
  if (lateness_steps + active_users_window.micros() / slide > 14) {
    return Status::InvalidArgument(
        "active users window and allowed lateness span too many slides (at most 14)");
  }
  return Status::OK();
}

}  // namespace clickstream
