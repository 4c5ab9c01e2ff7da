#include "protocol/partition_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace clickstream {
namespace {

using enum PartitionState;

TEST(PartitionStateTest, TheTableListsTheLifecycle) {
  const PartitionState all[] = {kReading, kBroken, kKept, kReleased};
  const std::pair<PartitionState, PartitionState> legal[] = {{kReading, kBroken},   {kReading, kKept},
                                                             {kReading, kReleased}, {kBroken, kReleased},
                                                             {kKept, kReading},     {kKept, kReleased}};
  for (const PartitionState from : all) {
    for (const PartitionState to : all) {
      const bool listed =
          std::find(std::begin(legal), std::end(legal), std::pair(from, to)) != std::end(legal);
      EXPECT_EQ(LegalTransition(from, to), listed)
          << PartitionStateName(from) << " -> " << PartitionStateName(to);
    }
  }
}

TEST(PartitionStateTest, KeptAndAssignedAgainThenReleased) {
  PartitionState state = kReading;
  Transition(Partition(3), &state, kKept);
  Transition(Partition(3), &state, kReading);
  Transition(Partition(3), &state, kBroken);
  Transition(Partition(3), &state, kReleased);
  EXPECT_EQ(state, kReleased);
}

TEST(PartitionStateDeathTest, AnIllegalMoveStopsTheProcess) {
  // A broken state is never kept: its changes since the last commit are gone.
  PartitionState state = kBroken;
  EXPECT_DEATH(Transition(Partition(3), &state, kKept), "partition 3: illegal move from broken to kept");
  PartitionState released = kReleased;
  EXPECT_DEATH(Transition(Partition(3), &released, kReading), "illegal move from released to reading");
}

}  // namespace
}  // namespace clickstream
