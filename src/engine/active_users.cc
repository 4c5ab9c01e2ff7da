#include "engine/active_users.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "common/check.h"
#include "engine/window.h"

namespace clickstream {
namespace {
constexpr int64_t kBits = 32;
constexpr int64_t kNone = std::numeric_limits<int64_t>::min() / 2;  // far below every step, no overflow
constexpr int64_t kNoneAfter = std::numeric_limits<int64_t>::max() / 2;
}  // namespace

ActiveUsers::ActiveUsers(Duration window, Duration slide)
    : window_(window), slide_(slide), steps_per_window_(window.micros() / slide.micros()) {
  CS_CHECK(slide.micros() > 0 && window.micros() >= slide.micros() && window.micros() % slide.micros() == 0)
      << "window " << window.micros() << " us is not a positive multiple of slide " << slide.micros()
      << " us";
}

void ActiveUsers::Add(EventTime t, UserActivity* user) {
  const int64_t step = FloorDiv(t.micros(), slide_.micros());
  if (user->bits == 0) {
    user->base = step - (kBits - 1);
  } else if (step >= user->base + kBits) {
    // The step becomes the top bit; the latest of the steps shifted out is remembered in `below`.
    const int64_t shift = step - (kBits - 1) - user->base;
    const uint32_t out = shift >= kBits ? user->bits : user->bits & ((1u << shift) - 1);
    const int64_t below = out != 0           ? shift - (kBits - 1 - std::countl_zero(out))
                          : user->below != 0 ? user->below + shift
                                             : 0;
    // Steps a window or more below base never share a window with an event to come.
    user->below = below < steps_per_window_ ? static_cast<uint32_t>(below) : 0;
    user->bits = shift >= kBits ? 0 : user->bits >> shift;
    user->base += shift;
  }
  const int64_t bit = step - user->base;
  if (user->bits & (1u << bit)) return;  // already counted in every window containing this step
  // The user's nearest steps with events before and after this one: window s (steps s .. s+k-1) counts
  // the user already iff it holds one of them.
  const uint32_t earlier = user->bits & ((1u << bit) - 1);
  const uint32_t later = user->bits & ~((2u << bit) - 1);
  const int64_t previous = earlier != 0       ? user->base + (kBits - 1 - std::countl_zero(earlier))
                           : user->below != 0 ? user->base - user->below
                                              : kNone;
  const int64_t next = later != 0 ? user->base + std::countr_zero(later) : kNoneAfter;
  const int64_t first = std::max(step - steps_per_window_ + 1, previous + 1);
  const int64_t last = std::min(step, next - steps_per_window_);
  for (int64_t s = first; s <= last; ++s) {
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
  if (!windows_.empty()) {
    // The usual case, a dense range: the window is at its distance from the first one.
    const int64_t index = step - windows_.front().step;
    if (index >= 0 && index < static_cast<int64_t>(windows_.size()) && windows_[index].step == step) {
      return windows_[index];
    }
  }
  const auto it = std::lower_bound(windows_.begin(), windows_.end(), step,
                                   [](const Window& w, int64_t s) { return w.step < s; });
  if (it != windows_.end() && it->step == step) return *it;
  return *windows_.insert(it, Window{step});
}

size_t ActiveUsers::open_windows() const { return windows_.size(); }

void ActiveUsers::TakeChanges(Watermark w, std::vector<ActiveUsersRow>* out) {
  for (Window& window : windows_) {
    const EventTime start = StepStart(window.step);
    const bool final = WindowIsFinal(start + window_, w);
    if (final || window.dirty) out->push_back({start, start + window_, window.count, final});
    window.dirty = false;
  }
  // Final windows form a prefix: their ends are below W, and ends grow with the step.
  const auto open = std::find_if(windows_.begin(), windows_.end(), [&](const Window& window) {
    return !WindowIsFinal(StepStart(window.step) + window_, w);
  });
  windows_.erase(windows_.begin(), open);
}

void ActiveUsers::Save(SnapshotWriter* out) const {
  out->Put(static_cast<uint32_t>(windows_.size()));
  for (const Window& window : windows_) {
    out->Put(window.step);
    out->Put(window.count);
    out->Put(static_cast<uint8_t>(window.dirty));
  }
}

Status ActiveUsers::Load(SnapshotReader* in) {
  windows_.clear();
  uint32_t n = 0;
  CS_RETURN_NOT_OK(in->GetCount(&n, 17));
  for (uint32_t i = 0; i < n; ++i) {
    Window window;
    uint8_t dirty = 0;
    CS_RETURN_NOT_OK(in->Get(&window.step));
    CS_RETURN_NOT_OK(in->Get(&window.count));
    CS_RETURN_NOT_OK(in->Get(&dirty));
    // Ascending, as Save writes them.
    if (window.count <= 0 || (i > 0 && window.step <= windows_.back().step)) {
      return SnapshotReader::Corrupt("bad active users window");
    }
    window.dirty = dirty != 0;
    windows_.push_back(window);
  }
  return Status::OK();
}

void ActiveUsers::SaveUser(const UserActivity& user, SnapshotWriter* out) {
  out->Put(user.base);
  out->Put(user.bits);
  out->Put(user.below);
}

Status ActiveUsers::LoadUser(SnapshotReader* in, uint32_t version, UserActivity* user) {
  CS_RETURN_NOT_OK(in->Get(&user->base));
  CS_RETURN_NOT_OK(in->Get(&user->bits));
  // Version 1 had no steps below the bits: under its limits none mattered.
  return version >= 2 ? in->Get(&user->below) : Status::OK();
}

}  // namespace clickstream
