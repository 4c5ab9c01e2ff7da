// The data of the dashboard page (GET /api/summary): recent results from PostgreSQL and the pipeline's
// live counters, as one JSON object.
//
// Not thread-safe: owns its own PostgreSQL connection (not the pipeline's), used by the HTTP thread
// only; it reconnects on the next call after a failure.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "common/types.h"
#include "engine/options.h"
#include "observability/pipeline_probe.h"
#include "postgres/connection.h"

namespace clickstream {

// The dashboard's query of the most recent sessions ($1: how many), for tests of its plan.
extern const char kRecentSessionsSql[];

// The settings in force, which the page shows beside the results they shape.
struct DashboardSettings {
  EngineOptions analytics;
  std::optional<Duration> results_retention;  // nullopt: forever
};

class DashboardData {
 public:
  DashboardData(pg::ConnectionOptions db, const DashboardSettings& settings);

  // {"now":..,"settings":{..},"pipeline":{..counters..},"partitions":[..],"page_views":[..],
  //  "active_users":[..],"sessions":[..],"db_error":".."}. Without PostgreSQL the result tables are
  //  empty and db_error says why; the counters and settings are always there. Settings are in seconds
  //  ("results_retention_seconds": null for forever) and as the flags take them ("text").
  std::string SummaryJson(const PipelineProbe& probe, int64_t now_unix_micros);
  // Whether PostgreSQL answers (SELECT 1), for /healthz: the pipeline touches it only when it commits.
  Status Ping();

 private:
  Status Connect();
  Status AppendResults(std::string* out);

  pg::ConnectionOptions db_options_;
  const std::string settings_json_;  // the "settings" member of SummaryJson: fixed for the process
  std::optional<pg::Connection> db_;
};

}  // namespace clickstream
