// The pipeline's PostgreSQL work (commits, claims) through outages: a failure that may pass
// (Status::retryable()) is retried with capped exponential backoff, and logged on each change of state
// rather than on each attempt: once when the outage starts, at most every `report_every` while it lasts
// (with the count of attempts), once when the server is reachable again. The probe names the outage
// for /healthz while it lasts.
//
// Not thread-safe: one thread at a time (the pipeline's commit thread, or its consuming thread while no
// commit is pending).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/status.h"
#include "observability/pipeline_probe.h"
#include "protocol/backoff.h"

namespace clickstream {

struct RetryPolicy {
  Backoff backoff;  // 250 ms doubling to 5 s
  std::chrono::milliseconds report_every{10000};
};

class PostgresRetry {
 public:
  // `give_up` is polled between attempts (graceful stop): once true, the last failure is returned.
  PostgresRetry(PipelineProbe* probe, std::function<bool()> give_up, RetryPolicy policy = {})
      : probe_(probe), give_up_(std::move(give_up)), policy_(policy) {}

  // Runs `attempt` until it succeeds, fails for a reason a retry cannot fix (that Status), or give_up()
  // (the last failure). `what` names the work in the log: "commit", "claim of partition 3".
  Status Run(const std::string& what, const std::function<Status()>& attempt);

 private:
  PipelineProbe* probe_;
  std::function<bool()> give_up_;
  RetryPolicy policy_;
};

}  // namespace clickstream
