// The data of the dashboard page (GET /api/summary): recent results from PostgreSQL and the pipeline's
// live counters, as one JSON object.
//
// Not thread-safe: owns its own PostgreSQL connection (not the pipeline's), used by the HTTP thread
// only; it reconnects on the next call after a failure.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "postgres/connection.h"
#include "service/pipeline_probe.h"

namespace clickstream {

// The dashboard's query of the most recent sessions ($1: how many), for tests of its plan.
extern const char kRecentSessionsSql[];

class DashboardData {
 public:
  explicit DashboardData(pg::ConnectionOptions db) : db_options_(std::move(db)) {}

  // {"now":..,"pipeline":{..counters..},"partitions":[..],"page_views":[..],"active_users":[..],
  //  "sessions":[..],"db_error":".."}. Without PostgreSQL the result tables are empty and db_error
  //  says why; the counters are always there.
  std::string SummaryJson(const PipelineProbe& probe, int64_t now_unix_micros);
  // Whether PostgreSQL answers (SELECT 1), for /healthz: the pipeline touches it only when it commits.
  Status Ping();

 private:
  Status Connect();
  Status AppendResults(std::string* out);

  pg::ConnectionOptions db_options_;
  std::optional<pg::Connection> db_;
};

}  // namespace clickstream
