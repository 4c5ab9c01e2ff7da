#include "engine/result_table.h"

#include <limits>

namespace clickstream {

void ResultTable::UpdateLatest(const std::string& user_id) {
  // The user's history rows are adjacent and ordered by start: the latest is the last of them.
  auto it = sessions_.upper_bound({user_id, EventTime::FromMicros(std::numeric_limits<int64_t>::max())});
  if (it != sessions_.begin() && std::prev(it)->first.user_id == user_id) {
    user_sessions_[user_id] = std::prev(it)->second;
  } else {
    user_sessions_.erase(user_id);
  }
}

void ResultTable::Apply(const Changes& changes) {
  for (const PageViewCountRow& row : changes.page_view_counts) {
    page_view_counts_[{row.window_start, row.page_url}] = row;
  }
  for (const ActiveUsersRow& row : changes.active_users) active_users_[row.window_start] = row;
  for (const SessionKey& key : changes.removed_sessions) sessions_.erase(key);
  for (const SessionRow& row : changes.sessions) sessions_[{row.user_id, row.session_start_time}] = row;
  for (const SessionKey& key : changes.removed_sessions) UpdateLatest(key.user_id);
  for (const SessionRow& row : changes.sessions) UpdateLatest(row.user_id);
  late_events_.insert(late_events_.end(), changes.late_events.begin(), changes.late_events.end());
}

}  // namespace clickstream
