#include "protocol/commit_cadence.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

using std::chrono::milliseconds;

TEST(CommitCadence, CaughtUpOrALittleBehindCommitsAtTheInterval) {
  CommitCadence cadence(milliseconds(20), milliseconds(1000));
  EXPECT_EQ(cadence.Spacing(), milliseconds(20));
  cadence.Read(milliseconds(5));  // fresh records
  EXPECT_EQ(cadence.Spacing(), milliseconds(20));
  EXPECT_FALSE(cadence.Due(milliseconds(19)));
  EXPECT_TRUE(cadence.Due(milliseconds(20)));
  cadence.Read(milliseconds(999));  // behind, within the budget: a longer wait would add to the delay
  EXPECT_EQ(cadence.Spacing(), milliseconds(20));
  cadence.Read(milliseconds(-50));  // a producer clock ahead of this one
  EXPECT_EQ(cadence.Spacing(), milliseconds(20));
}

TEST(CommitCadence, ABacklogSpacesCommitsByTheBudget) {
  CommitCadence cadence(milliseconds(20), milliseconds(1000));
  cadence.Read(milliseconds(1000));
  EXPECT_EQ(cadence.Spacing(), milliseconds(1000));
  cadence.Read(milliseconds(60'000));  // a backlog of a minute
  EXPECT_EQ(cadence.Spacing(), milliseconds(1000));
  EXPECT_FALSE(cadence.Due(milliseconds(999)));
  EXPECT_TRUE(cadence.Due(milliseconds(1000)));
}

TEST(CommitCadence, ACommitStartsOverUntilRecordsAreRead) {
  CommitCadence cadence(milliseconds(20), milliseconds(1000));
  cadence.Read(milliseconds(5000));
  cadence.Started();
  EXPECT_EQ(cadence.Spacing(), milliseconds(20));  // nothing read since: caught up
  cadence.Read(milliseconds(4000));
  EXPECT_EQ(cadence.Spacing(), milliseconds(1000));
}

TEST(CommitCadence, ABudgetAtOrBelowTheIntervalKeepsTheInterval) {
  CommitCadence cadence(milliseconds(20), milliseconds(0));
  cadence.Read(milliseconds(5000));
  EXPECT_EQ(cadence.Spacing(), milliseconds(20));
}

}  // namespace
}  // namespace clickstream
