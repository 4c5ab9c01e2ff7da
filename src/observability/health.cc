#include "observability/health.h"

#include <algorithm>

namespace clickstream {
namespace {

Health Unavailable(const std::string& server, const Outage& o, int64_t now_unix_micros) {
  return {false, server + " unavailable for " +
                     std::to_string((now_unix_micros - o.since_unix_micros) / 1'000'000) + " s (" +
                     std::to_string(o.attempts) + " failed attempts, retrying): " + o.cause};
}

}  // namespace

Health CheckHealth(const PipelineProbe& p, int commit_interval_ms, int64_t now_unix_micros) {
  switch (p.state.load(std::memory_order_relaxed)) {
    case PipelineProbe::State::kStarting:
      return {false, "starting: connecting to Kafka and PostgreSQL"};
    case PipelineProbe::State::kStopping:
      return {false, "stopping"};
    case PipelineProbe::State::kRunning:
      break;
  }
  for (const Server server : kServers) {
    if (const std::optional<Outage> o = p.outage(server))
      return Unavailable(ServerName(server), *o, now_unix_micros);
  }
  if (p.lake_retrying.load(std::memory_order_relaxed)) return {false, p.last_error()};
  const int64_t last = p.last_commit_pass_unix_micros.load(std::memory_order_relaxed);
  const int64_t stale_micros = std::max<int64_t>(int64_t{5} * commit_interval_ms, 5000) * 1000;
  if (last == 0) return {false, "no commit yet"};
  if (now_unix_micros - last > stale_micros) {
    return {false, "no commit for " + std::to_string((now_unix_micros - last) / 1'000'000) + " s"};
  }
  if (p.partitions().empty()) return {false, "no input partitions assigned to this process"};
  return {true, "ok"};
}

}  // namespace clickstream
