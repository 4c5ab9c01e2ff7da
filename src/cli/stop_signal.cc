#include "cli/stop_signal.h"

#include <atomic>
#include <csignal>
#include <cstdlib>

namespace clickstream::cli {
namespace {
std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) {
  if (g_stop.exchange(true)) std::_Exit(130);
}
}  // namespace

void InstallStopHandlers() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

bool StopRequested() { return g_stop.load(std::memory_order_relaxed); }

}  // namespace clickstream::cli
