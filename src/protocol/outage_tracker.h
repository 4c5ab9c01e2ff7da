// OutageTracker: one server's outage (PostgreSQL, the Kafka broker, the schema registry) while the
// pipeline retries its work there. The first failure starts it, the first success after it ends it; while
// it lasts the probe holds it (since when, failed attempts, last cause) for /healthz and the dashboard.
// The log has a line when it starts, at most one every `report_every` while it lasts, and one when it ends,
// with its duration, rather than one per attempt.
//
// Thread safety: thread-safe. The probe is not owned and must outlive the tracker.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "observability/pipeline_probe.h"

namespace clickstream {

struct OutageTrackerOptions {
  // While the outage lasts, a line at most this often (with the count of attempts); zero: none.
  std::chrono::milliseconds report_every{10000};
  // What the end's line says the server does again: "<server> <recovered> after N attempts (S s)".
  std::string recovered = "reachable again";
};

class OutageTracker {
 public:
  OutageTracker(Server server, PipelineProbe* probe, OutageTrackerOptions options = {})
      : server_(server), probe_(probe), options_(std::move(options)) {}

  // `what` (a commit, the claim of partition 3) failed for `cause`, and will be retried: starts the
  // outage, or counts one more failed attempt of it. Returns the failed attempts so far.
  int Failed(std::string_view what, const std::string& cause);

  // The server answered: ends the outage, if one is on.
  void Succeeded();

  // The outage, while it lasts.
  std::optional<Outage> outage() const;

 private:
  using Clock = std::chrono::steady_clock;

  const Server server_;
  PipelineProbe* const probe_;
  const OutageTrackerOptions options_;
  mutable Mutex mu_;
  std::optional<Outage> outage_ GUARDED_BY(mu_);
  Clock::time_point started_ GUARDED_BY(mu_);        // valid while outage_ is
  Clock::time_point last_reported_ GUARDED_BY(mu_);  // valid while outage_ is
};

}  // namespace clickstream
