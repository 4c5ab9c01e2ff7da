#include "engine/result_table.h"

namespace clickstream {

std::map<std::string, SessionRow> ResultTable::user_sessions() const {
  // The history is ordered by user, then start: each user's last row is its latest session.
  std::map<std::string, SessionRow> latest;
  for (const auto& [key, row] : sessions_) latest.insert_or_assign(key.user_id, row);
  return latest;
}

void ResultTable::Apply(const Changes& changes) {
  for (const PageViewCountRow& row : changes.page_view_counts) {
    page_view_counts_[{row.window_start, row.page_url}] = row;
  }
  for (const ActiveUsersRow& row : changes.active_users) active_users_[row.window_start] = row;
  for (const SessionKey& key : changes.removed_sessions) sessions_.erase(key);
  for (const SessionRow& row : changes.sessions) sessions_[{row.user_id, row.session_start_time}] = row;
  late_events_.insert(late_events_.end(), changes.late_events.begin(), changes.late_events.end());
}

}  // namespace clickstream
