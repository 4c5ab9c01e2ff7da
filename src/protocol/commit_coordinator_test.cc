#include "protocol/commit_coordinator.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "protocol/testing/fake_lake_store.h"
#include "protocol/testing/fake_result_store.h"

namespace clickstream {
namespace {

constexpr RetryPolicy kNoWait{.initial = std::chrono::milliseconds(0), .max = std::chrono::milliseconds(0)};

class CommitCoordinatorTest : public ::testing::Test {
 protected:
  // A commit of `partition` under `fence` up to `next`, recording a lake batch of offsets 0 to next - 1.
  void AddCommit(PendingCommit* commit, int32_t partition, int64_t fence, int64_t next) {
    const Partition p(partition);
    std::vector<Offset> offsets;
    for (int64_t o = 0; o < next; ++o) offsets.emplace_back(o);
    Result<Batch> batch = lake_.WriteHidden(p, offsets, "w");
    ASSERT_TRUE(batch.ok());
    PartitionCommit c{p,       fence,    Offset(next),         Watermark(),
                      nullptr, {},       {batch->Serialize()}, std::nullopt,
                      false,   Offset(0)};
    commit->Add(std::move(c), std::make_unique<Changes>(), {*batch});
  }

  Status Write(PendingCommit commit, PendingCommit* out) {
    commit.started = std::chrono::steady_clock::now();
    committer_.Start(std::move(commit));
    CommitCoordinator::Finished finished = std::move(*committer_.Finish(Wait::kYes));
    *out = std::move(finished.commit);
    return finished.status;
  }

  FakeResults results_;
  FakeLake lake_files_;
  FaultInjector faults_;
  PipelineProbe probe_;
  PostgresRetry retry_{&probe_, [] { return false; }, kNoWait};
  FakeResultStore store_{&results_, &faults_};
  FakeLakeStore lake_{&lake_files_, &faults_};
  CommitCoordinator committer_{&store_, &lake_, &retry_, &probe_};
};

TEST_F(CommitCoordinatorTest, FencedPartitionsAreLeftOutAndTheOthersCommitted) {
  ASSERT_TRUE(store_.Claim(Partition(0)).ok());
  ASSERT_TRUE(store_.Claim(Partition(1)).ok());
  ASSERT_TRUE(store_.Claim(Partition(1)).ok());  // another process took partition 1: fence 2
  PendingCommit commit;
  AddCommit(&commit, 0, 1, 3);
  AddCommit(&commit, 1, 1, 4);
  PendingCommit done;
  ASSERT_TRUE(Write(std::move(commit), &done).ok());
  EXPECT_EQ(done.fenced, std::vector<Partition>{Partition(1)});
  ASSERT_EQ(done.entries.size(), 1u);
  EXPECT_EQ(done.entries[0].commit.partition, Partition(0));
  EXPECT_EQ(results_.progress[0].next_offset, Offset(3));
  EXPECT_FALSE(results_.progress[1].next_offset);
  // Partition 0's files are visible, partition 1's stay hidden for its next claim to delete.
  EXPECT_EQ(lake_files_.VisibleRows().size(), 3u);
  EXPECT_EQ(lake_files_.hidden.size(), 1u);
}

TEST_F(CommitCoordinatorTest, LostAcknowledgementIsRetriedAndAppliedOnce) {
  ASSERT_TRUE(store_.Claim(Partition(0)).ok());
  PendingCommit commit;
  AddCommit(&commit, 0, 1, 2);
  faults_.LoseNextAck();
  PendingCommit done;
  ASSERT_TRUE(Write(std::move(commit), &done).ok());
  EXPECT_EQ(results_.progress[0].next_offset, Offset(2));
  EXPECT_EQ(results_.progress[0].lake_batches.size(), 1u);  // recorded once
  EXPECT_EQ(probe_.commit_failures.load(), 1);
  EXPECT_EQ(lake_files_.VisibleRows().size(), 2u);
}

TEST_F(CommitCoordinatorTest, ConsumingThreadSeesNothingUntilTheCommitIsWritten) {
  EXPECT_FALSE(committer_.pending());
  EXPECT_FALSE(committer_.Finish(Wait::kNo));
  ASSERT_TRUE(store_.Claim(Partition(0)).ok());
  PendingCommit commit;
  AddCommit(&commit, 0, 1, 1);
  commit.started = std::chrono::steady_clock::now();
  committer_.Start(std::move(commit));
  EXPECT_TRUE(committer_.pending());
  std::optional<CommitCoordinator::Finished> finished = committer_.Finish(Wait::kYes);
  ASSERT_TRUE(finished);
  EXPECT_TRUE(finished->status.ok());
  EXPECT_FALSE(committer_.pending());
}

// The results transaction commits only once the Kafka transactions did, without the partitions whose
// transaction failed (they recover from durable state; nobody else claimed them).
TEST_F(CommitCoordinatorTest, WaitsForKafkaAndLeavesOutPartitionsWhoseTransactionFailed) {
  ASSERT_TRUE(store_.Claim(Partition(0)).ok());
  ASSERT_TRUE(store_.Claim(Partition(1)).ok());
  PendingCommit commit;
  AddCommit(&commit, 0, 1, 3);
  AddCommit(&commit, 1, 1, 4);
  std::promise<KafkaOutcome> kafka;
  commit.kafka = kafka.get_future().share();
  commit.started = std::chrono::steady_clock::now();
  committer_.Start(std::move(commit));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(committer_.Finish(Wait::kNo)) << "committed before the Kafka transactions";
  EXPECT_FALSE(results_.progress[0].next_offset);
  kafka.set_value({{Partition(1)}, 20000});
  CommitCoordinator::Finished done = std::move(*committer_.Finish(Wait::kYes));
  ASSERT_TRUE(done.status.ok()) << done.status.message();
  ASSERT_EQ(done.commit.entries.size(), 1u);
  EXPECT_EQ(done.commit.entries[0].commit.partition, Partition(0));
  EXPECT_TRUE(done.commit.fenced.empty());
  EXPECT_EQ(results_.progress[0].next_offset, Offset(3));
  EXPECT_FALSE(results_.progress[1].next_offset);
  // The status line shows this commit's figures together: its Kafka part, and PostgreSQL's own time.
  EXPECT_EQ(probe_.last_kafka_commit_micros.load(), 20000);
  EXPECT_LT(probe_.last_db_commit_micros.load(), 20000);
  EXPECT_GE(probe_.last_commit_micros.load(), 20000);
}

}  // namespace
}  // namespace clickstream
