// active_users (SPEC.md section 3): EXACT number of distinct users per window of `window` length sliding
// by `slide`, aligned to the epoch; each event belongs to the window/slide windows that contain it.
//
// Exactness without a set per window: time is cut into steps of `slide`, and each user carries a small
// bitmap of the steps in which it has accepted events (UserActivity, owned by the caller's user table).
// An event adds the user to a window iff the user had no event in any step of that window yet, which
// the user's nearest steps with events before and after the event's step tell.
//
// Thread safety: not synchronised. REQUIRES (as for every engine part): only non-late events are added.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "engine/changes.h"
#include "engine/snapshot.h"

namespace clickstream {

// The steps in which one user had events: bits [base, base + 32), the user's latest step at the top or
// below it, and how far below base the latest step shifted out lies (0: none, or too far to matter).
// A non-late event is at most ceil(lateness / slide) steps before the latest one of its partition, so
// while that is under 32 (EngineOptions::Validate) it always falls inside the bits; the step below them
// is all that an event there needs to know of the steps before (see Add). The window length does not
// matter: a 1-hour window sliding by 1 minute costs the same 16 bytes as the default.
struct UserActivity {
  int64_t base = 0;
  uint32_t bits = 0;
  uint32_t below = 0;
};

// Steps of its slide a non-late event can be behind the latest one: the bits of UserActivity less one.
inline constexpr int64_t kMaxLatenessSteps = 31;

class ActiveUsers {
 public:
  // REQUIRES: window is a positive multiple of slide (EngineOptions::Validate).
  ActiveUsers(Duration window, Duration slide);

  // Counts the user of an event at `t` in each window that contains t and did not count it yet.
  void Add(EventTime t, UserActivity* user);

  // The watermark from which `user` can no longer affect any window (every window holding one of its
  // events is final); EventTime::Min() for a user without events.
  EventTime Expiry(const UserActivity& user) const;

  // Appends every window changed since the previous call, then each window final at `w` (is_final = true)
  // and frees the final windows.
  void TakeChanges(Watermark w, std::vector<ActiveUsersRow>* out);

  size_t open_windows() const;

  void Save(SnapshotWriter* out) const;
  [[nodiscard]] Status Load(SnapshotReader* in);
  static void SaveUser(const UserActivity& user, SnapshotWriter* out);
  // `version`: of the engine snapshot (1 had no UserActivity::below).
  [[nodiscard]] static Status LoadUser(SnapshotReader* in, uint32_t version, UserActivity* user);

 private:
  struct Window {
    int64_t step = 0;   // the window's first step
    int64_t count = 0;  // at least 1: a window exists once it counts a user
    bool dirty = false;
  };

  // The window whose first step is `step`, created (with count 0) if missing.
  Window& At(int64_t step);

  EventTime StepStart(int64_t step) const { return EventTime::FromMicros(step * slide_.micros()); }

  Duration window_;
  Duration slide_;
  int64_t steps_per_window_;
  // Windows with events, by first step. Usually a dense range, since open windows span only the allowed
  // lateness plus one window; but an event far ahead in event time opens its windows far from the others
  // (until they turn final), and the range in between must cost nothing. Final windows leave from the
  // front. A vector: a dozen windows with the default settings (window / slide plus lateness / slide in
  // general), looked up several times per event and shifted once per TakeChanges.
  std::vector<Window> windows_;
};

}  // namespace clickstream
