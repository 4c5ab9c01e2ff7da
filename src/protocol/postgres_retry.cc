#include "protocol/postgres_retry.h"

#include <algorithm>
#include <thread>

namespace clickstream {

Status PostgresRetry::Run(const std::string& what, const std::function<Status()>& attempt) {
  using Clock = std::chrono::steady_clock;
  backoff_.Reset();
  for (;;) {
    const Status st = attempt();
    if (st.ok()) outage_.Succeeded();
    if (!st.retryable()) return st;
    probe_->commit_failures.fetch_add(1, std::memory_order_relaxed);
    outage_.Failed(what, st.message());
    const std::optional<std::chrono::milliseconds> wait = backoff_.Failed();
    if (!wait) return st;
    const auto until = Clock::now() + *wait;
    while (Clock::now() < until) {
      if (give_up_()) return st;
      std::this_thread::sleep_for(
          std::min<Clock::duration>(std::chrono::milliseconds(50), until - Clock::now()));
    }
    if (give_up_()) return st;
  }
}

}  // namespace clickstream
