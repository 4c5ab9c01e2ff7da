#include "cli/stop_signal.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>

namespace clickstream::cli {
namespace {
std::atomic<bool> g_stop{false};
std::atomic<int64_t> g_first_signal_ms{0};

// A signal sent to a process and to its process group (what `timeout`, shells and supervisors do)
// arrives twice within microseconds; only a signal this long after the first one means "stop now".
constexpr int64_t kSecondSignalGraceMs = 1000;

// clock_gettime is async-signal-safe, std::chrono gives no such promise.
int64_t MonotonicMillis() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

extern "C" void OnStopSignal(int) {
  // Never 0, so that 0 can mean "no signal yet".
  const int64_t now = MonotonicMillis() + 1;
  int64_t first = 0;
  if (g_first_signal_ms.compare_exchange_strong(first, now)) {
    g_stop.store(true);
    return;
  }
  if (now - first >= kSecondSignalGraceMs) std::_Exit(130);
}
}  // namespace

void InstallStopHandlers() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

bool StopRequested() { return g_stop.load(std::memory_order_relaxed); }

}  // namespace clickstream::cli
