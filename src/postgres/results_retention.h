// Retention of results (`clickstream run --results-retention`): deletes what is older, in event time,
// than the retention before the watermark horizon (postgres/watermark_horizon.h):
//   - page_view_counts and active_users rows whose window ended at or before the cutoff,
//   - session_history rows of final sessions that ended before it,
//   - late_events rows whose event time is before it.
// None of them can change again: the horizon is every partition's watermark or earlier, so each such
// window is final everywhere and no commit writes it again; a final session is never rewritten (a later
// event starts a new one). Open windows and active sessions are never touched. While a partition has no
// watermark yet (it may still receive events of any time), nothing is deleted.
//
// Why small batches of DELETE, not tables partitioned by day with whole days dropped: a batch locks only
// the rows it deletes, which no commit writes and no reader waits for (MVCC), and its table lock (ROW
// EXCLUSIVE) conflicts with neither; dropping or detaching a partition takes an ACCESS EXCLUSIVE lock on
// the parent table that waits for every open commit and dashboard query and blocks the ones queued
// behind it. Days would also make retention coarse (a day kept whole until its last window expires) and
// force the partition key into every primary key. docs/operations.md has the measured costs.
//
// Not thread-safe: one ResultsRetention per thread. Any number of processes may run it on one database:
// a pass is skipped while another process's holds the database's retention lock.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "common/status.h"
#include "common/types.h"
#include "postgres/connection.h"

namespace clickstream::pg {

// What one pass did.
struct RetentionPass {
  // Another process was running a pass: nothing was done.
  bool skipped = false;
  // Rows older than this were deleted; nullopt while some partition has no watermark (nothing deleted).
  std::optional<EventTime> cutoff;
  // Rows deleted, all tables.
  int64_t deleted_rows = 0;
};

class ResultsRetention {
 public:
  // `retention`: how long results are kept after their window or session ended (in event time).
  // `batch_rows`: rows deleted per statement, each statement its own transaction.
  // REQUIRES: retention > 0, batch_rows > 0.
  ResultsRetention(Duration retention, int batch_rows);

  // Deletes every row past the retention, batch by batch, pausing after each batch as long as it took so
  // that commits sharing the server keep most of its time. Returns early, with what was done, once
  // `stop()` is true. Waits at most a second for any lock (lock_timeout): a schema change or
  // --reset-results in progress makes the pass fail (kUnavailable) rather than queue others behind it.
  Result<RetentionPass> Run(Connection& conn, const std::function<bool()>& stop);

 private:
  Duration retention_;
  int batch_rows_;
};

}  // namespace clickstream::pg
