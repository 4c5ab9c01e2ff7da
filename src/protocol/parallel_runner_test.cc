#include "protocol/parallel_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>

namespace clickstream {
namespace {

TEST(ParallelRunnerTest, RunsEveryTaskOnceAndAllAtOnce) {
  ParallelRunner runner;
  for (const size_t n : {1, 5, 3, 8}) {
    // Each task waits for all the others: the batch ends only if they all run at the same time.
    std::latch all_started(static_cast<std::ptrdiff_t>(n));
    std::vector<std::atomic<int>> runs(n);
    runner.Run(n, [&](size_t i) {
      runs[i].fetch_add(1);
      all_started.arrive_and_wait();
    });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(runs[i].load(), 1) << "task " << i << " of " << n;
  }
}

TEST(ParallelRunnerTest, NothingToRun) {
  ParallelRunner runner;
  runner.Run(0, [](size_t) { FAIL(); });
}

}  // namespace
}  // namespace clickstream
