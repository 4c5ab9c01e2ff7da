// PartitionSet's lake sealing policy, over the in-memory fakes (the fake lake's buffers should be sealed
// at 5 rows and are full at 10).
#include <gtest/gtest.h>

#include <set>

#include "protocol/testing/test_process.h"

namespace clickstream {
namespace {

class PartitionSetTest : public testing::Test {
 protected:
  PartitionSetTest() {
    for (int32_t p = 0; p < 3; ++p) process_.Assign(Partition(p));
  }

  std::set<int32_t> PartitionsWithVisibleRows() const {
    std::set<int32_t> out;
    for (const auto& [row, count] : world_.lake.VisibleRows()) out.insert(row.first);
    return out;
  }

  const TestInput input_ = MakeTestInput(3, 40);
  DurableWorld world_;
  FaultInjector faults_;
  TestProcess process_{&world_, &faults_, &input_, "w", /*seal_every=*/5};
};

// Under a backlog commits are far apart: a full buffer waiting for its turn would keep growing. Every
// full buffer is sealed at the next commit, and recorded (then visible) at the one after.
TEST_F(PartitionSetTest, EveryFullLakeBufferIsSealedAtTheNextCommit) {
  process_.Handle(10);
  ASSERT_TRUE(process_.Commit().ok());
  ASSERT_TRUE(process_.Commit().ok());
  EXPECT_EQ(PartitionsWithVisibleRows(), (std::set<int32_t>{0, 1, 2}));
}

// Buffers due but not full (by size below full, or by age) take turns: one is sealed per commit.
TEST_F(PartitionSetTest, BuffersDueButNotFullAreSealedOnePerCommit) {
  process_.Handle(6);
  ASSERT_TRUE(process_.Commit().ok());
  ASSERT_TRUE(process_.Commit().ok());
  EXPECT_EQ(PartitionsWithVisibleRows(), (std::set<int32_t>{0}));
  ASSERT_TRUE(process_.Commit().ok());
  EXPECT_EQ(PartitionsWithVisibleRows(), (std::set<int32_t>{0, 1}));
}

}  // namespace
}  // namespace clickstream
