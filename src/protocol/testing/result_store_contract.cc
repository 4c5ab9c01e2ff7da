#include "protocol/testing/result_store_contract.h"

#include <vector>

namespace clickstream {
namespace {

// A test binary instantiates the suites of the implementations it links.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ResultStoreContract);

using Batches = std::vector<std::string>;

Watermark At(int64_t seconds) { return Watermark(EventTime::FromMicros(seconds * 1'000'000)); }

PartitionClaim Claimed(ResultStore& store, Partition partition) {
  Result<PartitionClaim> claim = store.Claim(partition);
  EXPECT_TRUE(claim.ok()) << claim.status().message();
  return claim.ok() ? std::move(claim).value() : PartitionClaim{};
}

int64_t FenceOf(ResultStore& store, Partition partition) {
  Result<int64_t> fence = store.Fence(partition);
  EXPECT_TRUE(fence.ok()) << fence.status().message();
  return fence.ok() ? *fence : -1;
}

// The partition's commit advancing it from `previous` to `next`, under `fence`.
PartitionCommit CommitOf(Partition partition, int64_t fence, int64_t previous, int64_t next) {
  PartitionCommit commit;
  commit.partition = partition;
  commit.fence = fence;
  commit.previous_offset = Offset(previous);
  commit.next_offset = Offset(next);
  commit.watermark = At(1'772'359'200 + next);
  return commit;
}

Status CommitAll(ResultStore& store, const std::vector<const PartitionCommit*>& commits,
                 std::vector<Partition>* fenced = nullptr, const BeforeCommit& before_commit = nullptr) {
  return store.Commit(commits, fenced, before_commit);
}

// The lake batches a claim finds after partition 0's commits recording `first`, then `second` (saying
// the lake is published when `second_published`).
Batches RecordedAfterTwoCommits(ResultStore& store, const Batches& first, const Batches& second,
                                bool second_published) {
  const Partition p(0);
  const int64_t fence = Claimed(store, p).fence;
  PartitionCommit earlier = CommitOf(p, fence, 0, 10);
  earlier.lake_batches = first;
  PartitionCommit later = CommitOf(p, fence, 10, 20);
  later.lake_batches = second;
  later.lake_published = second_published;
  EXPECT_TRUE(CommitAll(store, {&earlier}).ok());
  EXPECT_TRUE(CommitAll(store, {&later}).ok());
  return Claimed(store, p).lake_batches;
}

TEST_P(ResultStoreContract, AClaimOfAPartitionNeverCommittedFindsNothingAndTakesTheFence) {
  const Partition p(3);
  ASSERT_EQ(FenceOf(*under_test_, p), 0);
  const PartitionClaim claim = Claimed(*under_test_, p);
  EXPECT_GT(claim.fence, 0);
  EXPECT_EQ(claim.next_offset, std::nullopt);
  EXPECT_FALSE(claim.watermark.is_set());
  EXPECT_FALSE(claim.snapshot.has_value());
  EXPECT_EQ(claim.lake_batches, Batches{});
  EXPECT_EQ(FenceOf(*under_test_, p), claim.fence);
}

TEST_P(ResultStoreContract, EachClaimRaisesThePartitionsFenceAndNoOtherPartitions) {
  const int64_t first = Claimed(*under_test_, Partition(0)).fence;
  const int64_t second = Claimed(*under_test_, Partition(0)).fence;
  EXPECT_GT(second, first);
  EXPECT_EQ(FenceOf(*under_test_, Partition(0)), second);
  EXPECT_EQ(FenceOf(*under_test_, Partition(1)), 0);
}

TEST_P(ResultStoreContract, AClaimFindsTheLastCommitsOffsetWatermarkSnapshotAndLakeBatches) {
  const Partition p(0);
  const int64_t fence = Claimed(*under_test_, p).fence;
  PartitionCommit first = CommitOf(p, fence, 0, 10);
  first.lake_batches = {"batch-a", "batch-b"};
  first.snapshot = EngineSnapshot{Offset(8), "state at 8"};
  ASSERT_TRUE(CommitAll(*under_test_, {&first}).ok());
  PartitionCommit second = CommitOf(p, fence, 10, 15);
  second.lake_batches = {"batch-c"};
  ASSERT_TRUE(CommitAll(*under_test_, {&second}).ok());

  const PartitionClaim claim = Claimed(*under_test_, p);
  EXPECT_GT(claim.fence, fence);
  EXPECT_EQ(claim.next_offset, Offset(15));
  EXPECT_EQ(claim.watermark, second.watermark);
  ASSERT_TRUE(claim.snapshot.has_value());
  EXPECT_EQ(claim.snapshot->valid_at, Offset(8));
  EXPECT_EQ(claim.snapshot->state, "state at 8");
  EXPECT_EQ(claim.lake_batches, (Batches{"batch-a", "batch-b", "batch-c"}));
}

TEST_P(ResultStoreContract, ASnapshotIsReplacedByTheNextCommitCarryingOne) {
  const Partition p(0);
  const int64_t fence = Claimed(*under_test_, p).fence;
  PartitionCommit first = CommitOf(p, fence, 0, 10);
  first.snapshot = EngineSnapshot{Offset(10), "state at 10"};
  PartitionCommit second = CommitOf(p, fence, 10, 20);
  second.snapshot = EngineSnapshot{Offset(20), "state at 20"};
  ASSERT_TRUE(CommitAll(*under_test_, {&first}).ok());
  ASSERT_TRUE(CommitAll(*under_test_, {&second}).ok());

  const PartitionClaim claim = Claimed(*under_test_, p);
  ASSERT_TRUE(claim.snapshot.has_value());
  EXPECT_EQ(claim.snapshot->valid_at, Offset(20));
  EXPECT_EQ(claim.snapshot->state, "state at 20");
}

TEST_P(ResultStoreContract, ACommitSayingTheLakeIsPublishedDropsTheBatchesRecordedBeforeIt) {
  EXPECT_EQ(RecordedAfterTwoCommits(*under_test_, {"batch-a"}, {"batch-b"}, /*second_published=*/true),
            Batches{"batch-b"});
}

TEST_P(ResultStoreContract, ACommitUnderAFenceClaimedSinceWritesNothingAndNamesThePartition) {
  const Partition stale(0), current(1);
  const int64_t old_fence = Claimed(*under_test_, stale).fence;
  const int64_t new_fence = Claimed(*under_test_, stale).fence;
  const int64_t current_fence = Claimed(*under_test_, current).fence;
  PartitionCommit of_stale = CommitOf(stale, old_fence, 0, 10);
  PartitionCommit of_current = CommitOf(current, current_fence, 0, 10);
  std::vector<Partition> fenced;
  EXPECT_EQ(CommitAll(*under_test_, {&of_current, &of_stale}, &fenced).code(), StatusCode::kFenced);
  EXPECT_EQ(fenced, std::vector<Partition>{stale});

  EXPECT_EQ(FenceOf(*under_test_, stale), new_fence);
  EXPECT_EQ(Claimed(*under_test_, current).next_offset, std::nullopt);
  EXPECT_EQ(Claimed(*under_test_, stale).next_offset, std::nullopt);
}

TEST_P(ResultStoreContract, APartitionLeftOutBeforeTheCommitIsReportedFencedAndNothingIsWritten) {
  const Partition kept(0), left_out(1);
  PartitionCommit of_kept = CommitOf(kept, Claimed(*under_test_, kept).fence, 0, 10);
  PartitionCommit of_left_out = CommitOf(left_out, Claimed(*under_test_, left_out).fence, 0, 10);
  std::vector<Partition> fenced;
  const Status status = CommitAll(*under_test_, {&of_kept, &of_left_out}, &fenced,
                                  [&] { return std::vector<Partition>{left_out}; });
  EXPECT_EQ(status.code(), StatusCode::kFenced);
  EXPECT_EQ(fenced, std::vector<Partition>{left_out});

  EXPECT_EQ(Claimed(*under_test_, kept).next_offset, std::nullopt);
  EXPECT_EQ(Claimed(*under_test_, left_out).next_offset, std::nullopt);
}

TEST_P(ResultStoreContract, ACommitRetriedAfterItWasAppliedRecordsItsLakeBatchesOnce) {
  const Partition p(0);
  const int64_t fence = Claimed(*under_test_, p).fence;
  PartitionCommit commit = CommitOf(p, fence, 0, 10);
  commit.lake_batches = {"batch-a"};
  ASSERT_TRUE(CommitAll(*under_test_, {&commit}).ok());
  ASSERT_TRUE(CommitAll(*under_test_, {&commit}).ok());

  const PartitionClaim claim = Claimed(*under_test_, p);
  EXPECT_EQ(claim.next_offset, Offset(10));
  EXPECT_EQ(claim.lake_batches, Batches{"batch-a"});
}

TEST_P(ResultStoreContract, ABatchRecordedAgainByALaterCommitIsKeptOnce) {
  EXPECT_EQ(
      RecordedAfterTwoCommits(*under_test_, {"batch-a"}, {"batch-a", "batch-b"}, /*second_published=*/false),
      (Batches{"batch-a", "batch-b"}));
}

TEST_P(ResultStoreContract, ACommitOfManyPartitionsAppliesToEach) {
  const Partition zero(0), one(1);
  PartitionCommit of_zero = CommitOf(zero, Claimed(*under_test_, zero).fence, 0, 10);
  PartitionCommit of_one = CommitOf(one, Claimed(*under_test_, one).fence, 0, 30);
  ASSERT_TRUE(CommitAll(*under_test_, {&of_zero, &of_one}).ok());

  EXPECT_EQ(Claimed(*under_test_, zero).next_offset, Offset(10));
  EXPECT_EQ(Claimed(*under_test_, one).next_offset, Offset(30));
}

}  // namespace
}  // namespace clickstream
