#include "engine/active_users.h"

#include <bit>

#include "engine/window.h"

namespace clickstream {
namespace {
// A new or shifted bitmap puts the current step this far above its base, leaving room both for earlier
// steps still open (lateness) and for the windows after the step.
constexpr int64_t kHeadroom = 16;
constexpr int64_t kBits = 32;
}  // namespace

ActiveUsers::ActiveUsers(Duration window, Duration slide)
    : window_(window), slide_(slide), steps_per_window_(window.micros() / slide.micros()) {}

void ActiveUsers::Add(EventTime t, UserActivity* user) {
  const int64_t step = FloorDiv(t.micros(), slide_.micros());
  if (user->bits == 0) {
    user->base = step - kHeadroom;
  } else if (step + steps_per_window_ - 1 >= user->base + kBits) {
    const int64_t shift = step - kHeadroom - user->base;
    user->bits = shift >= kBits ? 0 : user->bits >> shift;
    user->base += shift;
  }
  const int64_t bit = step - user->base;
  if (user->bits & (1u << bit)) return;  // already counted in every window containing this step
  // Window s (first step s) counts the user iff none of its steps s .. s+k-1 has an event yet.
  const uint32_t window_mask = (1u << steps_per_window_) - 1;
  for (int64_t s = step - steps_per_window_ + 1; s <= step; ++s) {
    if ((user->bits >> (s - user->base)) & window_mask) continue;
    Window& window = windows_[s];
    ++window.count;
    window.dirty = true;
  }
  user->bits |= 1u << bit;
}

EventTime ActiveUsers::Expiry(const UserActivity& user) const {
  if (user.bits == 0) return EventTime::Min();
  const int64_t last_step = user.base + (kBits - 1 - std::countl_zero(user.bits));
  return StepStart(last_step) + window_;
}

void ActiveUsers::TakeChanges(Watermark w, std::vector<ActiveUsersRow>* out) {
  for (auto it = windows_.begin(); it != windows_.end();) {
    const EventTime start = StepStart(it->first);
    const EventTime end = start + window_;
    const bool final = WindowIsFinal(end, w);
    if (final || it->second.dirty) out->push_back({start, end, it->second.count, final});
    it->second.dirty = false;
    it = final ? windows_.erase(it) : std::next(it);
  }
}

void ActiveUsers::Save(SnapshotWriter* out) const {
  out->Put(static_cast<uint32_t>(windows_.size()));
  for (const auto& [step, window] : windows_) {
    out->Put(step);
    out->Put(window.count);
    out->Put(static_cast<uint8_t>(window.dirty));
  }
}

Status ActiveUsers::Load(SnapshotReader* in) {
  windows_.clear();
  uint32_t n = 0;
  RETURN_NOT_OK(in->GetCount(&n, 17));
  for (uint32_t i = 0; i < n; ++i) {
    int64_t step = 0;
    Window window;
    uint8_t dirty = 0;
    RETURN_NOT_OK(in->Get(&step));
    RETURN_NOT_OK(in->Get(&window.count));
    RETURN_NOT_OK(in->Get(&dirty));
    window.dirty = dirty != 0;
    windows_[step] = window;
  }
  return Status::OK();
}

void ActiveUsers::SaveUser(const UserActivity& user, SnapshotWriter* out) {
  out->Put(user.base);
  out->Put(user.bits);
}

Status ActiveUsers::LoadUser(SnapshotReader* in, UserActivity* user) {
  RETURN_NOT_OK(in->Get(&user->base));
  return in->Get(&user->bits);
}

}  // namespace clickstream
