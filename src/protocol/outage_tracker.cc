#include "protocol/outage_tracker.h"

#include "common/log.h"
#include "common/wall_clock.h"

namespace clickstream {
namespace {

constexpr std::string_view kLog = "run";

}  // namespace

int OutageTracker::Failed(std::string_view what, const std::string& cause) {
  MutexLock lock(mu_);
  const Clock::time_point now = Clock::now();
  if (!outage_) {
    outage_ = Outage{WallClockNow().micros(), 0, {}};
    started_ = last_reported_ = now;
    log::Warn(kLog, "{} {} failed: {}; retrying", ServerName(server_), what, cause);
  } else if (options_.report_every.count() > 0 && now - last_reported_ >= options_.report_every) {
    last_reported_ = now;
    log::Warn(kLog, "{} still unavailable after {} attempts ({:.0f} s): {}", ServerName(server_),
              outage_->attempts + 1, std::chrono::duration<double>(now - started_).count(), cause);
  }
  ++outage_->attempts;
  outage_->cause = cause;
  probe_->SetOutage(server_, outage_);
  return outage_->attempts;
}

void OutageTracker::Succeeded() {
  MutexLock lock(mu_);
  if (!outage_) return;
  log::Info(kLog, "{} {} after {} attempts ({:.1f} s)", ServerName(server_), options_.recovered,
            outage_->attempts + 1, std::chrono::duration<double>(Clock::now() - started_).count());
  outage_.reset();
  probe_->SetOutage(server_, std::nullopt);
}

std::optional<Outage> OutageTracker::outage() const {
  MutexLock lock(mu_);
  return outage_;
}

}  // namespace clickstream
