// The result tables as a sink sees them: Changes applied in order (upserts, removals) to ordered maps.
// `clickstream replay` writes them out, and tests compare them with a model.
//
// Thread safety: not synchronised.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/changes.h"

namespace clickstream {

class ResultTable {
 public:
  void Apply(const Changes& changes);

  // Keyed and ordered as the tables' primary keys.
  const std::map<std::pair<EventTime, std::string>, PageViewCountRow>& page_view_counts() const {
    return page_view_counts_;
  }
  const std::map<EventTime, ActiveUsersRow>& active_users() const { return active_users_; }
  const std::map<SessionKey, SessionRow>& sessions() const { return sessions_; }
  // Each user's latest session of the history (by start), as PostgreSQL's user_sessions view shows it:
  // computed from sessions() at each call.
  std::map<std::string, SessionRow> user_sessions() const;
  const std::vector<LateEvent>& late_events() const { return late_events_; }

  bool operator==(const ResultTable&) const = default;

 private:
  std::map<std::pair<EventTime, std::string>, PageViewCountRow> page_view_counts_;
  std::map<EventTime, ActiveUsersRow> active_users_;
  std::map<SessionKey, SessionRow> sessions_;
  std::vector<LateEvent> late_events_;
};

}  // namespace clickstream
