// Sessions of one user (SPEC.md section 4), maintained incrementally under out-of-order arrival.
//
// Rule: order the user's accepted events by (event_time, rank), rank page_view = click = 0 <
// session_end = 1 < session_start = 2. Between two neighbours in that order there is a session boundary
// iff the gap is >= G, or the second is a session_start, or the first is a session_end. Because the rule
// looks at neighbours only, an arriving event can merge two sessions, split one, or move a start earlier,
// and recomputing the sessions from the events is all it takes.
//
// Bounded state: no event can arrive before the watermark W, so the events before W are frozen. Of them
// the engine keeps only summaries: the sessions already closed by a boundary between two frozen events
// ("settled", waiting to become final) and the session containing the last frozen event ("frozen head":
// its counts so far and its last event, which decides the boundary with the next one). Only events at or
// after W (at most the allowed lateness of them) are kept one by one.
//
// Finality: a session is FINAL when it ends with a session_end and W > session_end_time, or when
// W >= session_end_time + G. SPEC.md says W >= session_end_time for the first case, but an event exactly
// at W is not late, and a page_view or click at the session_end's own time sorts before the session_end
// and joins the session; "final" must mean the value can never change, hence the strict inequality.
//
// Key collisions: the history is keyed by (user_id, session_start_time). Several markers at the same
// microsecond can make zero-length sessions that share their start with the session after them (e.g.
// session_end then session_start at the same time, where the session_end alone is a session). Such a
// session is not reported: the key holds the last session that starts at that time.
//
// Thread safety: not synchronised; owned by the engine's user table.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "engine/changes.h"
#include "engine/event.h"
#include "engine/small_vector.h"
#include "engine/snapshot.h"

namespace clickstream {

class UserSessions {
 public:
  // A session's summary: all the rules need of its events.
  struct Summary {
    EventTime start;
    EventTime end;
    int64_t event_count = 0;
    int64_t page_view_count = 0;
    EventType last_type = EventType::kPageView;  // decides the boundary after the session

    bool operator==(const Summary&) const = default;
  };

  // Adds an accepted event, first folding the events before `w` into summaries (Advance).
  // REQUIRES: t >= w; w never decreases between calls.
  void Add(EventTime t, EventType type, Watermark w, Duration gap);

  // Folds the events before `w` into summaries. REQUIRES: w never decreases between calls.
  void Advance(Watermark w, Duration gap);

  // The smallest watermark above `w` at which a session of this user may become final (a session_end
  // passed, or a gap of G since a session's last event); EventTime::Min() if none. Early is allowed: the
  // engine then merely looks at the user once more.
  EventTime NextDue(Watermark w, Duration gap) const;

  // True if TakeChanges at `w` would report a session final. REQUIRES: Advance(w, gap) was called.
  bool HasFinal(Watermark w, Duration gap) const;

  // Reusable buffers for TakeChanges, so that it does not allocate per user.
  struct Scratch;

  // Appends to `out` the history rows of this user changed since the previous call (upserts, final rows,
  // removed keys); then frees the final sessions. Calls Advance(w, gap) first.
  void TakeChanges(std::string_view user_id, Watermark w, Duration gap, Scratch* scratch, Changes* out);

  // True when nothing is left: no event, no open session, nothing reported that may still change.
  bool empty() const;
  // Sessions reported and not final, as of the last TakeChanges.
  size_t open_sessions() const { return reported_.size(); }

  void Save(SnapshotWriter* out) const;
  [[nodiscard]] Status Load(SnapshotReader* in);

 private:
  struct TimedType {
    EventTime time;
    EventType type;
  };

  // Typical users have a few events within the allowed lateness and one session open: those stay inline.
  SmallVector<TimedType, 3> tail_;    // events at or after W, in (time, rank) order
  std::optional<Summary> head_;       // the session of the last frozen event, frozen part only
  std::vector<Summary> settled_;      // closed by frozen boundaries, not yet final, by start
  SmallVector<Summary, 1> reported_;  // non-final sessions as last reported, by start
};

struct UserSessions::Scratch {
  std::vector<Summary> current;
  std::vector<Summary> still_open;
};

}  // namespace clickstream
