// The pipeline's PostgreSQL work (commits, claims) through outages: a failure that may pass
// (Status::retryable()) is retried by the retry policy (backoff.h), and the outage is tracked for /healthz
// and the log by an OutageTracker (a line when it starts, at most one every 10 s while it lasts, one when
// the server is reachable again).
//
// Not thread-safe: one thread at a time (the pipeline's commit thread, or its consuming thread while no
// commit is pending).
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "observability/pipeline_probe.h"
#include "protocol/backoff.h"
#include "protocol/outage_tracker.h"

namespace clickstream {

// PostgreSQL's work is retried until it succeeds or the process gives up: no deadline, no attempt cap.
inline constexpr RetryPolicy kPostgresRetry{.initial = std::chrono::milliseconds(250),
                                            .max = std::chrono::milliseconds(5000)};

class PostgresRetry {
 public:
  // `give_up` is polled between attempts (graceful stop): once true, the last failure is returned.
  PostgresRetry(PipelineProbe* probe, std::function<bool()> give_up, RetryPolicy policy = kPostgresRetry)
      : probe_(probe), give_up_(std::move(give_up)), backoff_(policy), outage_(Server::kPostgres, probe) {}

  // Runs `attempt` until it succeeds, fails for a reason a retry cannot fix (that Status), or give_up()
  // (the last failure). `what` names the work in the log: "commit", "claim of partition 3".
  Status Run(const std::string& what, const std::function<Status()>& attempt);

 private:
  PipelineProbe* probe_;
  std::function<bool()> give_up_;
  Backoff backoff_;
  OutageTracker outage_;
};

}  // namespace clickstream
