#include "engine/active_users.h"

#include <algorithm>
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
    Window& window = At(s);
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

ActiveUsers::Window& ActiveUsers::At(int64_t step) {
  if (windows_.empty()) first_step_ = step;
  while (step < first_step_) {
    windows_.emplace_front();
    --first_step_;
  }
  const auto index = static_cast<size_t>(step - first_step_);
  if (index >= windows_.size()) windows_.resize(index + 1);
  return windows_[index];
}

size_t ActiveUsers::open_windows() const {
  return static_cast<size_t>(
      std::count_if(windows_.begin(), windows_.end(), [](const Window& w) { return w.count > 0; }));
}

void ActiveUsers::TakeChanges(Watermark w, std::vector<ActiveUsersRow>* out) {
  for (size_t i = 0; i < windows_.size(); ++i) {
    Window& window = windows_[i];
    const EventTime start = StepStart(first_step_ + static_cast<int64_t>(i));
    const bool final = WindowIsFinal(start + window_, w);
    if (window.count > 0 && (final || window.dirty))
      out->push_back({start, start + window_, window.count, final});
    window.dirty = false;
  }
  // Final windows form a prefix: their ends are below W, and ends grow with the step.
  while (!windows_.empty() && WindowIsFinal(StepStart(first_step_) + window_, w)) {
    windows_.pop_front();
    ++first_step_;
  }
}

void ActiveUsers::Save(SnapshotWriter* out) const {
  out->Put(static_cast<uint32_t>(open_windows()));
  for (size_t i = 0; i < windows_.size(); ++i) {
    if (windows_[i].count == 0) continue;
    out->Put(first_step_ + static_cast<int64_t>(i));
    out->Put(windows_[i].count);
    out->Put(static_cast<uint8_t>(windows_[i].dirty));
  }
}

Status ActiveUsers::Load(SnapshotReader* in) {
  windows_.clear();
  uint32_t n = 0;
  RETURN_NOT_OK(in->GetCount(&n, 17));
  int64_t previous = 0;
  for (uint32_t i = 0; i < n; ++i) {
    int64_t step = 0;
    Window window;
    uint8_t dirty = 0;
    RETURN_NOT_OK(in->Get(&step));
    RETURN_NOT_OK(in->Get(&window.count));
    RETURN_NOT_OK(in->Get(&dirty));
    // Ascending and close together, as Save writes them; anything else would make At() allocate wildly.
    if (window.count <= 0 || (i > 0 && (step <= previous || step - previous > 1024))) {
      return SnapshotReader::Corrupt("bad active users window");
    }
    previous = step;
    window.dirty = dirty != 0;
    At(step) = window;
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
