#include "protocol/testing/lake_store_contract.h"

#include <vector>

#include "lake/file_names.h"

namespace clickstream {
namespace {

// A test binary instantiates the suites of the implementations it links.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(LakeStoreContract);

// A page view of 2026-03-01T10:00:00Z, read a second later.
LakeRow Row() {
  const EventTime time = EventTime::FromMicros(1'772'359'200'000'000);
  return {time, "user-1", "/home", EventType::kPageView, false, time + Duration::Seconds(1)};
}

// Buffers the partition's rows at `offsets`, takes them out and writes them.
Batch Written(LakeStore& store, Partition partition, const std::vector<int64_t>& offsets) {
  for (const int64_t offset : offsets) EXPECT_TRUE(store.Append(partition, Offset(offset), Row()).ok());
  std::unique_ptr<SealedRows> taken = store.Take(partition);
  EXPECT_NE(taken, nullptr);
  if (taken == nullptr) return {};
  Result<Batch> batch = taken->Write();
  EXPECT_TRUE(batch.ok()) << batch.status().message();
  return batch.ok() ? std::move(batch).value() : Batch{};
}

std::set<std::string> HiddenFilesOf(const std::vector<Batch>& batches) {
  std::set<std::string> files;
  for (const Batch& batch : batches) files.insert(batch.files.begin(), batch.files.end());
  return files;
}

std::set<std::string> VisibleFilesOf(const std::vector<Batch>& batches) {
  std::set<std::string> files;
  for (const std::string& hidden : HiddenFilesOf(batches)) {
    const std::optional<BatchFile> file = ParseHiddenPath(hidden);
    EXPECT_TRUE(file.has_value()) << hidden;
    if (file) files.insert(VisiblePath(*file));
  }
  return files;
}

TEST_P(LakeStoreContract, APartitionWithNothingBufferedHasNothingToTakeOrSeal) {
  LakeStore& store = under_test_->store();
  const Partition p(0);
  EXPECT_EQ(store.Take(p), nullptr);
  EXPECT_FALSE(store.ShouldSeal(p, EventTime::FromMicros(1'772'359'200'000'000)));
  EXPECT_FALSE(store.Full(p));

  ASSERT_TRUE(store.Append(p, Offset(0), Row()).ok());
  store.Discard(p);
  EXPECT_EQ(store.Take(p), nullptr);
}

TEST_P(LakeStoreContract, TakenRowsAreWrittenAsAHiddenBatchOfTheirFirstAndLastOffsets) {
  const Batch batch = Written(under_test_->store(), Partition(2), {3, 4, 7});
  EXPECT_EQ(batch.partition, Partition(2));
  EXPECT_EQ(batch.first_offset, Offset(3));
  EXPECT_EQ(batch.last_offset, Offset(7));
  EXPECT_FALSE(batch.files.empty());

  const LakeFiles files = under_test_->Files();
  EXPECT_EQ(files.hidden, HiddenFilesOf({batch}));
  EXPECT_TRUE(files.visible.empty());
}

TEST_P(LakeStoreContract, AppendsAfterATakeGoOnAfterTheTakenRows) {
  LakeStore& store = under_test_->store();
  const Partition p(0);
  ASSERT_TRUE(store.Append(p, Offset(1), Row()).ok());
  std::unique_ptr<SealedRows> first = store.Take(p);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(store.Append(p, Offset(2), Row()).ok());
  const Result<Batch> first_batch = first->Write();
  ASSERT_TRUE(first_batch.ok()) << first_batch.status().message();
  const Batch second_batch = Written(store, p, {3});

  EXPECT_EQ(first_batch->first_offset, Offset(1));
  EXPECT_EQ(first_batch->last_offset, Offset(1));
  EXPECT_EQ(second_batch.first_offset, Offset(2));
  EXPECT_EQ(second_batch.last_offset, Offset(3));
}

TEST_P(LakeStoreContract, PublishingMakesABatchsFilesVisibleAndMayBeRepeated) {
  LakeStore& store = under_test_->store();
  const Batch batch = Written(store, Partition(0), {0, 1});
  ASSERT_TRUE(store.Publish(batch).ok());
  ASSERT_TRUE(store.Publish(batch).ok());

  const LakeFiles files = under_test_->Files();
  EXPECT_TRUE(files.hidden.empty());
  EXPECT_EQ(files.visible, VisibleFilesOf({batch}));
}

TEST_P(LakeStoreContract, RecoveryPublishesTheRecordedBatchesAndDeletesThePartitionsOtherHiddenFiles) {
  LakeStore& store = under_test_->store();
  const Batch recorded = Written(store, Partition(0), {0, 1});
  const Batch unrecorded = Written(store, Partition(0), {2, 3});
  const Batch of_other_partition = Written(store, Partition(1), {0});
  ASSERT_TRUE(store.Append(Partition(0), Offset(4), Row()).ok());

  ASSERT_TRUE(store.Recover(Partition(0), {recorded}).ok());

  const LakeFiles files = under_test_->Files();
  EXPECT_EQ(files.visible, VisibleFilesOf({recorded}));
  EXPECT_EQ(files.hidden, HiddenFilesOf({of_other_partition}));
  EXPECT_EQ(store.Take(Partition(0)), nullptr);
  EXPECT_FALSE(store.Publish(unrecorded).ok());
}

TEST_P(LakeStoreContract, RecoveringAgainWithTheSameBatchesLeavesTheLakeAsTheFirstRecoveryDid) {
  LakeStore& store = under_test_->store();
  const Batch recorded = Written(store, Partition(0), {0, 1});
  ASSERT_TRUE(store.Recover(Partition(0), {recorded}).ok());
  ASSERT_TRUE(store.Recover(Partition(0), {recorded}).ok());

  const LakeFiles files = under_test_->Files();
  EXPECT_EQ(files.visible, VisibleFilesOf({recorded}));
  EXPECT_TRUE(files.hidden.empty());
}

}  // namespace
}  // namespace clickstream
