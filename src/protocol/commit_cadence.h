// CommitCadence: when the consuming loop starts its next commit (the freshness budget).
//
// A commit starts once the consuming thread has read for `interval` (--commit-interval-ms) since the
// previous one's Kafka transactions, which it waits out (and once the previous results transaction
// finished), so results are visible tens of milliseconds after they arrive and reading never starves
// between commits however long they take. Only
// when the records being read arrived `max_delay` (--max-result-delay) or more ago, a backlog (a
// restart, an outage, input faster than the process), are commits spaced `max_delay` apart: each then
// covers more input, and a session or window that many of its events change is written once per commit
// instead of once per few events, so PostgreSQL keeps up with more events per second. A delay shorter
// than the budget (a slow commit, a busy machine) keeps the fast cadence, so it is not made longer.
//
// The age is the reading time minus the record's Kafka timestamp: a producer clock that is off only
// chooses between the two spacings.
//
// Thread safety: not thread-safe; one per consuming thread.
#pragma once

#include <chrono>

namespace clickstream {

class CommitCadence {
 public:
  using Clock = std::chrono::steady_clock;

  // `max_delay` at or below `interval` (0 included) keeps the spacing at `interval`.
  CommitCadence(std::chrono::milliseconds interval, std::chrono::milliseconds max_delay)
      : interval_(interval), max_delay_(max_delay) {}

  // A record was read `age` after its timestamp.
  void Read(std::chrono::milliseconds age) { last_age_ = age; }

  // A commit started: the next spacing follows the records read from now on (none read: caught up).
  void Started() { last_age_ = std::chrono::milliseconds(0); }

  // Reading time between one commit and the next.
  std::chrono::milliseconds Spacing() const;

  // Whether the next commit is due, after reading for `reading` since the previous one.
  bool Due(Clock::duration reading) const { return reading >= Spacing(); }

 private:
  std::chrono::milliseconds interval_, max_delay_;
  std::chrono::milliseconds last_age_{0};  // of the last record read since the last commit started
};

}  // namespace clickstream
