// Crashes the service after every step of its commits and recoveries, restarts it on the surviving
// durable state, and checks that results, lake and topics end up as after an uninterrupted run.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/log.h"
#include "protocol/testing/test_process.h"

namespace clickstream {
namespace {

constexpr int32_t kPartitions = 2;
constexpr int kEvents = 24;
// A second crash this many steps into the restart covers every step of the recovery (claims, producer
// fencing, lake publishing and deleting) and the first commits after it.
constexpr int kSecondCrashSteps = 12;

// One life of the process over every partition: true when it processed the input to the end, false
// when it crashed first. Each life seals its lake buffers at other offsets (`seal_every` records), as
// a restarted process would (sizes and ages differ): a file published twice would show up twice.
bool RunLife(DurableWorld* world, FaultInjector* faults, const TestInput& input, int seal_every) {
  TestProcess process(world, faults, &input, "w" + std::to_string(seal_every), seal_every);
  for (int32_t p = 0; p < kPartitions; ++p) process.Assign(Partition(p));
  while (!faults->crashed()) {
    process.RecoverBroken();
    process.Handle(3);
    if (!process.Commit().ok()) return false;
    if (process.Done()) return true;
  }
  return false;
}

TEST(CrashPointTest, EveryStepOfCommitsAndRecoveries) {
  log::SetLevel(log::Level::kError);  // thousands of injected failures are retried and logged as warnings
  const TestInput input = MakeTestInput(kPartitions, kEvents);
  DurableWorld reference;
  FaultInjector no_faults;
  ASSERT_TRUE(RunLife(&reference, &no_faults, input, 5));
  const int64_t steps = no_faults.steps();
  RecordProperty("steps", static_cast<int>(steps));  // crash points: steps x (kSecondCrashSteps + 1)
  ASSERT_GT(steps, 30);
  size_t events = 0;  // the lake holds events; the topics hold every record, rejected ones as dead letters
  for (const auto& [p, records] : input) {
    events += static_cast<size_t>(
        std::count_if(records.begin(), records.end(), [](const auto& r) { return r.ok(); }));
  }
  ASSERT_LT(events, static_cast<size_t>(kPartitions * kEvents));
  ASSERT_EQ(reference.lake.VisibleRows().size(), events);
  ASSERT_EQ(reference.topics.Records()[0].size(), static_cast<size_t>(kEvents));
  ASSERT_FALSE(reference.results.rows.late_events.empty());

  for (int64_t k = 0; k < steps; ++k) {
    for (int j = 0; j <= kSecondCrashSteps; ++j) {
      DurableWorld world;
      FaultInjector faults;
      faults.CrashAfter(k);
      ASSERT_FALSE(RunLife(&world, &faults, input, 5)) << "no crash after step " << k;
      faults.Restart();
      faults.CrashAfter(faults.steps() + j);
      const bool finished = RunLife(&world, &faults, input, 4);
      faults.Restart();
      if (!finished) {
        ASSERT_TRUE(RunLife(&world, &faults, input, 3));
      }
      std::string difference;
      ASSERT_TRUE(SameOutput(world, reference, &difference))
          << difference << " after a crash after step " << k << " and another " << j
          << " steps into the restart";
    }
  }
}

}  // namespace
}  // namespace clickstream
