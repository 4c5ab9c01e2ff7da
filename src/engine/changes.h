// The output of a PartitionEngine: the result rows that changed since the previous TakeChanges.
//
// Each key appears at most once per batch, holding its latest value. A row with is_final = true is the
// last one for its key: the value can never change again and the engine has freed its state.
// Values are those of one partition; the service adds partitions up (a user's events live in one
// partition, so view counts and distinct-user counts sum).
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/types.h"
#include "engine/event.h"

namespace clickstream {

// page_view_counts: tumbling windows [window_start, window_end) of --page-view-window (1 minute by
// default), per page_url.
struct PageViewCountRow {
  EventTime window_start;
  EventTime window_end;
  std::string page_url;
  int64_t view_count = 0;
  bool is_final = false;

  bool operator==(const PageViewCountRow&) const = default;
};

// active_users: windows of --active-users-window sliding by --active-users-slide (5 and 1 minutes by
// default); exact distinct user_id count.
struct ActiveUsersRow {
  EventTime window_start;
  EventTime window_end;
  int64_t active_user_count = 0;
  bool is_final = false;

  bool operator==(const ActiveUsersRow&) const = default;
};

// One session of the history, keyed by (user_id, session_start_time).
struct SessionRow {
  std::string user_id;
  EventTime session_start_time;
  EventTime session_end_time;
  int64_t event_count = 0;
  int64_t page_view_count = 0;
  bool is_final = false;

  Duration duration() const { return session_end_time - session_start_time; }
  bool operator==(const SessionRow&) const = default;
};

struct SessionKey {
  std::string user_id;
  EventTime session_start_time;

  auto operator<=>(const SessionKey&) const = default;
};

struct LateEvent {
  Event event;
  Duration lateness;  // W - event_time, > 0

  bool operator==(const LateEvent&) const = default;
};

struct Changes {
  std::vector<PageViewCountRow> page_view_counts;
  std::vector<ActiveUsersRow> active_users;
  // Upserts into the session history.
  std::vector<SessionRow> sessions;
  // History keys that no longer exist (merged into another session, split, or moved to an earlier
  // start). Never also present in `sessions` of the same batch.
  std::vector<SessionKey> removed_sessions;
  // Late events in arrival order; they changed nothing else.
  std::vector<LateEvent> late_events;

  // Rows a store writes for these changes (late events not counted). A user's latest session (the
  // `user_sessions` table) is no row of its own: readers take it from the history, the latest by start.
  size_t result_rows() const {
    return page_view_counts.size() + active_users.size() + sessions.size() + removed_sessions.size();
  }
  bool empty() const {
    return page_view_counts.empty() && active_users.empty() && sessions.empty() && removed_sessions.empty() &&
           late_events.empty();
  }
  void clear() {
    page_view_counts.clear();
    active_users.clear();
    sessions.clear();
    removed_sessions.clear();
    late_events.clear();
  }
};

}  // namespace clickstream
