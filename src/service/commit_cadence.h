// CommitCadence: when the consuming loop starts its next commit (the freshness budget).
//
// Caught up, a commit starts `interval` (--commit-interval-ms) after the previous one started, so results
// are visible tens of milliseconds after they arrive. Behind, when the records being read arrived a while
// ago, commits are spaced further apart: as far as the age of the last record read, at most `max_delay`
// (--max-result-delay). Each commit then covers more input, and a session or window that changes with
// many events is written once per commit instead of once per few events, so PostgreSQL keeps up with
// more events per second. A result waits for its commit at most max(interval, min(age, max_delay)) after
// its record was read: it doubles the delay it already had, never more than the budget.
//
// The age is the reading time minus the record's Kafka timestamp; a producer clock that is off only moves
// the spacing within [interval, max(interval, max_delay)].
//
// Thread safety: not thread-safe; one per consuming thread.
#pragma once

#include <chrono>

namespace clickstream {

class CommitCadence {
 public:
  using Clock = std::chrono::steady_clock;

  // `max_delay` below `interval` (0 included) keeps the spacing at `interval`.
  CommitCadence(std::chrono::milliseconds interval, std::chrono::milliseconds max_delay)
      : interval_(interval), max_delay_(max_delay) {}

  // A record was read `age` after its timestamp (negative ages count as 0).
  void Read(std::chrono::milliseconds age) { last_age_ = age; }

  // A commit started: the next spacing follows the records read from now on (none read: caught up).
  void Started() { last_age_ = std::chrono::milliseconds(0); }

  // Time from one commit's start to the next.
  std::chrono::milliseconds Spacing() const;

  // Whether the next commit is due, `since_last` after the previous one started.
  bool Due(Clock::duration since_last) const { return since_last >= Spacing(); }

 private:
  std::chrono::milliseconds interval_, max_delay_;
  std::chrono::milliseconds last_age_{0};  // of the last record read since the last commit started
};

}  // namespace clickstream
