#include "postgres/results_retention.h"

#include <chrono>
#include <string>
#include <thread>

#include "common/check.h"
#include "postgres/watermark_horizon.h"

namespace clickstream::pg {
namespace {

// A table and what makes its rows expire, given the cutoff $1. Each condition bounds a column an index
// leads with (the primary key's window_start; session_history_by_start; late_events_by_event_time), so a
// batch reads the rows it deletes and few others.
struct Expiry {
  const char* table;
  const char* condition;
};

constexpr Expiry kExpiries[] = {
    {"page_view_counts", "window_start < $1 AND window_end <= $1"},
    {"active_users", "window_start < $1 AND window_end <= $1"},
    {"session_history", "session_start_time < $1 AND session_end_time < $1 AND is_final"},
    {"late_events", "event_time < $1"},
};

// Deletes at most $2 expired rows of `e.table` and returns how many: the rows are found by their
// condition and deleted by their physical address (a TID scan), in one statement.
std::string DeleteBatchSql(const Expiry& e) {
  return std::string("WITH deleted AS (DELETE FROM ") + e.table +
         " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + e.table + " WHERE " + e.condition +
         " LIMIT $2)) RETURNING 1) SELECT count(*) FROM deleted";
}

// Taken for a pass, so that processes of one database do not delete the same rows at once (the second
// would wait for the first's row locks). Any constant unlikely to be used by another application.
constexpr char kTryLock[] = "SELECT pg_try_advisory_lock(7240581937716352902)";
constexpr char kUnlock[] = "SELECT pg_advisory_unlock(7240581937716352902)";

}  // namespace

ResultsRetention::ResultsRetention(Duration retention, int batch_rows)
    : retention_(retention), batch_rows_(batch_rows) {
  CS_CHECK(retention > Duration::Micros(0)) << "retention " << retention.micros() << " us";
  CS_CHECK(batch_rows > 0) << "batch of " << batch_rows << " rows";
}

Result<RetentionPass> ResultsRetention::Run(Connection& conn, const std::function<bool()>& stop) {
  RetentionPass pass;
  CS_RETURN_NOT_OK(conn.Exec("SET lock_timeout = '1s'"));
  CS_ASSIGN_OR_RETURN(QueryResult locked, conn.Query(kTryLock));
  if (locked.text(0, 0) != "t") {
    pass.skipped = true;
    return pass;
  }
  CS_ASSIGN_OR_RETURN(QueryResult horizon, conn.QueryBinary(kWatermarkHorizonSql, {}));
  if (!horizon.is_null(0, 0)) {
    pass.cutoff = horizon.timestamptz(0, 0) - retention_;
    for (const Expiry& e : kExpiries) {
      const std::string sql = DeleteBatchSql(e);
      for (;;) {
        if (stop()) break;
        const auto started = std::chrono::steady_clock::now();
        CS_ASSIGN_OR_RETURN(QueryResult deleted, conn.QueryBinary(sql, {Param::Timestamptz(pass.cutoff),
                                                                        Param::Int4(batch_rows_)}));
        const int64_t n = deleted.int8(0, 0);
        pass.deleted_rows += n;
        if (n < batch_rows_) break;
        std::this_thread::sleep_for(std::chrono::steady_clock::now() - started);
      }
    }
  }
  CS_RETURN_NOT_OK(conn.Query(kUnlock).status());
  return pass;
}

}  // namespace clickstream::pg
