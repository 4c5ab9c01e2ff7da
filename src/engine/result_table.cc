#include "engine/result_table.h"

namespace clickstream {

void ResultTable::Apply(const Changes& changes) {
  for (const PageViewCountRow& row : changes.page_view_counts) {
    page_view_counts_[{row.window_start, row.page_url}] = row;
  }
  for (const ActiveUsersRow& row : changes.active_users) active_users_[row.window_start] = row;
  for (const SessionKey& key : changes.removed_sessions) sessions_.erase(key);
  for (const SessionRow& row : changes.sessions) sessions_[{row.user_id, row.session_start_time}] = row;
  for (const SessionRow& row : changes.latest_sessions) user_sessions_[row.user_id] = row;
  late_events_.insert(late_events_.end(), changes.late_events.begin(), changes.late_events.end());
}

}  // namespace clickstream
