#include "protocol/partition_task.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

Event At(int64_t seconds, const std::string& user = "u") {
  return {EventTime::FromMicros(seconds * 1'000'000), user, "/p", EventType::kPageView};
}

// Claimed with a snapshot at 2 (fresh engine), results up to 5 and the topics up to 7 already written.
PartitionTask Resumed() {
  return PartitionTask(Partition(3),
                       RecoveredPartition{7, PartitionEngine(EngineOptions{}), Offset(2), Offset(5), true},
                       Offset(7));
}

TEST(PartitionTaskTest, EachSinkTakesOnlyOffsetsPastItsProgress) {
  PartitionTask task = Resumed();
  EXPECT_EQ(task.fence(), 7);
  EXPECT_EQ(task.next(), Offset(2));
  EXPECT_TRUE(task.replaying());
  EXPECT_TRUE(task.Processed(Offset(1)));
  EXPECT_FALSE(task.Processed(Offset(2)));
  EXPECT_FALSE(task.WritesResults(Offset(4)));
  EXPECT_TRUE(task.WritesResults(Offset(5)));
  EXPECT_FALSE(task.WritesKafka(Offset(6)));
  EXPECT_TRUE(task.WritesKafka(Offset(7)));
}

TEST(PartitionTaskTest, ReplayEndsWhereTheResultsStopAndDropsWhatTheyHold) {
  PartitionTask task = Resumed();
  for (int64_t o = 2; o < 5; ++o) {
    task.CatchUp(Offset(o));
    task.Admit(Offset(o), At(1000 + o));
    task.Handled(Offset(o));
    EXPECT_EQ(task.replaying(), o < 4) << o;
  }
  EXPECT_FALSE(task.KafkaDue());  // the topics hold up to 7
  Changes changes;
  task.engine().TakeChanges(&changes);
  EXPECT_TRUE(changes.empty());  // the re-read rebuilt state PostgreSQL already has
}

TEST(PartitionTaskTest, CommitCarriesProgressLateEventsAndLakeBatches) {
  PartitionTask task(Partition(0),
                     RecoveredPartition{1, PartitionEngine(EngineOptions{}), Offset(0), Offset(0), false},
                     Offset(0));
  Changes none;
  EXPECT_FALSE(task.TakeCommit(&none, {}, std::nullopt));  // nothing processed
  task.Admit(Offset(0), At(10'000));
  task.Handled(Offset(0));
  task.Admit(Offset(1), At(1'000));  // far behind the watermark: late
  task.Handled(Offset(1));
  ASSERT_TRUE(task.KafkaDue());
  task.KafkaCommitted();
  Changes changes;
  task.engine().TakeChanges(&changes);
  const Batch batch{Partition(0), Offset(0), Offset(1), {}};
  std::optional<PartitionCommit> commit =
      task.TakeCommit(&changes, {batch}, EngineSnapshot{Offset(2), "state"});
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->fence, 1);
  EXPECT_EQ(commit->next_offset, Offset(2));
  EXPECT_EQ(commit->previous_offset, Offset(0));
  ASSERT_EQ(commit->late_events.size(), 1u);
  EXPECT_EQ(commit->late_events[0].offset, Offset(1));
  EXPECT_EQ(commit->lake_batches, std::vector<std::string>{batch.Serialize()});
  EXPECT_TRUE(task.Committed(*commit, /*recorded_batches=*/true));
  EXPECT_EQ(task.db_committed(), Offset(2));
  EXPECT_TRUE(task.lake_recorded());
  Changes later;
  std::optional<PartitionCommit> next = task.TakeCommit(&later, {}, std::nullopt);
  EXPECT_FALSE(next);  // nothing new
}

TEST(PartitionTaskDeathTest, ResultsAheadOfTheTopicsStopTheProcess) {
  PartitionTask task(Partition(0),
                     RecoveredPartition{1, PartitionEngine(EngineOptions{}), Offset(0), Offset(0), false},
                     Offset(0));
  task.Admit(Offset(0), At(10'000));
  task.Handled(Offset(0));
  Changes changes;
  std::optional<PartitionCommit> commit = task.TakeCommit(&changes, {}, std::nullopt);
  ASSERT_TRUE(commit);
  // E was not committed up to next: applying C there would break C <= E.
  EXPECT_DEATH(task.Committed(*commit, /*recorded_batches=*/false), "progress out of order");
}

}  // namespace
}  // namespace clickstream
