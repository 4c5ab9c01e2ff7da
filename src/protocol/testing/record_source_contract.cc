#include "protocol/testing/record_source_contract.h"

#include <set>

namespace clickstream {
namespace {

// A test binary instantiates the suites of the implementations it links.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RecordSourceContract);

Offset CommittedOf(RecordSource& source, Partition partition) {
  Result<Offset> committed = source.Committed(partition);
  EXPECT_TRUE(committed.ok()) << committed.status().message();
  return committed.ok() ? *committed : Offset(-1);
}

TEST_P(RecordSourceContract, TheAssignedPartitionsAreListed) {
  under_test_->Assign(Partition(1), Offset(0));
  EXPECT_EQ(under_test_->source().Assigned(), std::set<int32_t>{1});
  EXPECT_FALSE(under_test_->source().AssignmentLost());
}

TEST_P(RecordSourceContract, TheCommittedOffsetIsTheGroupsAndZeroWhenItHasNone) {
  under_test_->Assign(Partition(0), Offset(0));
  under_test_->Assign(Partition(1), Offset(0));
  ASSERT_TRUE(under_test_->CommitGroupOffset(Partition(1), Offset(6)).ok());

  EXPECT_EQ(CommittedOf(under_test_->source(), Partition(0)), Offset(0));
  EXPECT_EQ(CommittedOf(under_test_->source(), Partition(1)), Offset(6));
}

TEST_P(RecordSourceContract, AfterASeekThePartitionIsReadFromThere) {
  const Partition p(0);
  under_test_->Assign(p, Offset(0));
  ASSERT_EQ(under_test_->NextDelivered(p), Offset(0));
  ASSERT_TRUE(under_test_->source().Seek(p, Offset(5)).ok());
  EXPECT_EQ(under_test_->NextDelivered(p), Offset(5));
  ASSERT_TRUE(under_test_->source().Seek(p, Offset(2)).ok());
  EXPECT_EQ(under_test_->NextDelivered(p), Offset(2));
}

TEST_P(RecordSourceContract, APausedPartitionDeliversNothingAndIsReadOnAfterTheLastDeliveredWhenResumed) {
  const Partition p(0);
  under_test_->Assign(p, Offset(3));
  ASSERT_EQ(under_test_->NextDelivered(p), Offset(3));
  ASSERT_TRUE(under_test_->source().SetPaused(p, true).ok());
  EXPECT_EQ(under_test_->NextDelivered(p), std::nullopt);
  ASSERT_TRUE(under_test_->source().SetPaused(p, false).ok());
  EXPECT_EQ(under_test_->NextDelivered(p), Offset(4));
}

}  // namespace
}  // namespace clickstream
