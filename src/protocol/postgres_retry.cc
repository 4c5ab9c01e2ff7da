#include "protocol/postgres_retry.h"

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "common/wall_clock.h"

namespace clickstream {
namespace {

constexpr std::string_view kLog = "run";

}  // namespace

Status PostgresRetry::Run(const std::string& what, const std::function<Status()>& attempt) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto reported = started;
  const auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  for (int attempts = 1;; ++attempts) {
    const Status st = attempt();
    if (st.ok() && attempts > 1) {
      log::Info(kLog, "PostgreSQL reachable again after {} attempts ({:.1f} s)", attempts, seconds());
      probe_->SetPostgresOutage(std::nullopt);
    }
    if (!st.retryable()) return st;
    probe_->commit_failures.fetch_add(1, std::memory_order_relaxed);
    probe_->SetPostgresOutage(
        Outage{WallClockNow().micros() - static_cast<int64_t>(seconds() * 1e6), attempts, st.message()});
    if (attempts == 1) {
      log::Warn(kLog, "PostgreSQL {} failed: {}; retrying", what, st.message());
    } else if (Clock::now() - reported >= policy_.report_every) {
      reported = Clock::now();
      log::Warn(kLog, "PostgreSQL still unavailable after {} attempts ({:.0f} s): {}", attempts, seconds(),
                st.message());
    }
    const auto until = Clock::now() + policy_.backoff.After(attempts - 1);
    while (Clock::now() < until) {
      if (give_up_()) return st;
      std::this_thread::sleep_for(
          std::min<Clock::duration>(std::chrono::milliseconds(50), until - Clock::now()));
    }
    if (give_up_()) return st;
  }
}

}  // namespace clickstream
