#include "protocol/testing/partition_transactions_contract.h"

#include <chrono>

namespace clickstream {
namespace {

// A test binary instantiates the suites of the implementations it links.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PartitionTransactionsContract);

using Record = FakeTopics::Record;
using Headers = std::vector<std::pair<std::string, std::optional<std::string>>>;

// A timestamp a broker keeps: recent, whole milliseconds.
int64_t RecentTimestampMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch() - std::chrono::minutes(1))
      .count();
}

std::unique_ptr<PartitionTransaction> Started(PartitionTransactions& transactions, Partition partition) {
  Result<std::unique_ptr<PartitionTransaction>> started = transactions.Start(partition);
  EXPECT_TRUE(started.ok()) << started.status().message();
  return started.ok() ? std::move(started).value() : nullptr;
}

std::optional<Offset> GroupOffsetOf(PartitionTransactionsUnderTest& under_test, Partition partition) {
  Result<std::optional<Offset>> offset = under_test.GroupOffset(partition);
  EXPECT_TRUE(offset.ok()) << offset.status().message();
  return offset.ok() ? *offset : std::nullopt;
}

TEST_P(PartitionTransactionsContract, ACommittedRecordIsSeenWithItsKeyAndValueAndTheGroupOffsetWithIt) {
  const Partition input(0);
  std::unique_ptr<PartitionTransaction> transaction = Started(under_test_->transactions(), input);
  ASSERT_NE(transaction, nullptr);
  const std::string& topic = under_test_->output_topic();
  ASSERT_TRUE(transaction->Send(topic, "user-1", R"({"n":1})").ok());
  ASSERT_TRUE(transaction->Send(topic, "user-2", R"({"n":2})").ok());
  ASSERT_TRUE(transaction->CommitWithOffset(Offset(7)).ok());

  const std::vector<Record> seen = under_test_->ReadCommitted(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].key, "user-1");
  EXPECT_EQ(seen[0].value, R"({"n":1})");
  EXPECT_EQ(seen[0].headers, Headers{});
  EXPECT_EQ(seen[1].key, "user-2");
  EXPECT_EQ(seen[1].value, R"({"n":2})");
  EXPECT_EQ(GroupOffsetOf(*under_test_, input), Offset(7));
}

TEST_P(PartitionTransactionsContract,
       AForwardedRecordKeepsItsOriginalsHeadersThenTheAddedOnesAndItsTimestamp) {
  std::unique_ptr<PartitionTransaction> transaction = Started(under_test_->transactions(), Partition(0));
  ASSERT_NE(transaction, nullptr);
  const int64_t timestamp_ms = RecentTimestampMs();
  const RecordView original{
      "user-1", "not json", {{"trace", "t-1"}, {"empty", ""}, {"null", std::nullopt}}, timestamp_ms};
  ASSERT_TRUE(
      transaction
          ->Forward(under_test_->output_topic(), original, {{"error", "bad json"}, {"source.offset", "41"}})
          .ok());
  ASSERT_TRUE(transaction->CommitWithOffset(Offset(42)).ok());

  const std::vector<Record> seen = under_test_->ReadCommitted(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].key, "user-1");
  EXPECT_EQ(seen[0].value, "not json");
  EXPECT_EQ(seen[0].headers, (Headers{{"trace", "t-1"},
                                      {"empty", ""},
                                      {"null", std::nullopt},
                                      {"error", "bad json"},
                                      {"source.offset", "41"}}));
  EXPECT_EQ(seen[0].timestamp_ms, timestamp_ms);
}

TEST_P(PartitionTransactionsContract, AForwardedRecordKeepsANullKeyOrValueApartFromAnEmptyOne) {
  std::unique_ptr<PartitionTransaction> transaction = Started(under_test_->transactions(), Partition(0));
  ASSERT_NE(transaction, nullptr);
  const std::string& topic = under_test_->output_topic();
  const int64_t timestamp_ms = RecentTimestampMs();
  ASSERT_TRUE(transaction->Forward(topic, {std::nullopt, std::nullopt, {}, timestamp_ms}, {}).ok());
  ASSERT_TRUE(transaction->Forward(topic, {"", "", {}, timestamp_ms}, {}).ok());
  ASSERT_TRUE(transaction->CommitWithOffset(Offset(2)).ok());

  const std::vector<Record> seen = under_test_->ReadCommitted(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].key, std::nullopt);
  EXPECT_EQ(seen[0].value, std::nullopt);
  EXPECT_EQ(seen[1].key, "");
  EXPECT_EQ(seen[1].value, "");
}

TEST_P(PartitionTransactionsContract, ASecondStartOfThePartitionFencesTheFirstWhoseRecordsAreNeverSeen) {
  const Partition input(0);
  const std::string& topic = under_test_->output_topic();
  std::unique_ptr<PartitionTransaction> first = Started(under_test_->transactions(), input);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Send(topic, "first", "committed").ok());
  ASSERT_TRUE(first->CommitWithOffset(Offset(1)).ok());
  ASSERT_TRUE(first->Send(topic, "first", "open when fenced").ok());

  std::unique_ptr<PartitionTransaction> second = Started(under_test_->transactions(), input);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->CommitWithOffset(Offset(5)).code(), StatusCode::kFenced);
  ASSERT_TRUE(second->Send(topic, "second", "committed").ok());
  ASSERT_TRUE(second->CommitWithOffset(Offset(3)).ok());

  const std::vector<Record> seen = under_test_->ReadCommitted(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].value, "committed");
  EXPECT_EQ(seen[0].key, "first");
  EXPECT_EQ(seen[1].value, "committed");
  EXPECT_EQ(seen[1].key, "second");
  EXPECT_EQ(GroupOffsetOf(*under_test_, input), Offset(3));
}

TEST_P(PartitionTransactionsContract, AnUncommittedTransactionLeavesNoRecordAndNoGroupOffset) {
  const Partition input(0);
  const std::string& topic = under_test_->output_topic();
  {
    std::unique_ptr<PartitionTransaction> abandoned = Started(under_test_->transactions(), input);
    ASSERT_NE(abandoned, nullptr);
    ASSERT_TRUE(abandoned->Send(topic, "abandoned", "never committed").ok());
  }
  EXPECT_EQ(GroupOffsetOf(*under_test_, input), std::nullopt);

  std::unique_ptr<PartitionTransaction> next = Started(under_test_->transactions(), input);
  ASSERT_NE(next, nullptr);
  ASSERT_TRUE(next->Send(topic, "next", "committed").ok());
  ASSERT_TRUE(next->CommitWithOffset(Offset(1)).ok());
  const std::vector<Record> seen = under_test_->ReadCommitted(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].key, "next");
}

TEST_P(PartitionTransactionsContract, PartitionsCommitTheirGroupOffsetsIndependently) {
  std::unique_ptr<PartitionTransaction> zero = Started(under_test_->transactions(), Partition(0));
  std::unique_ptr<PartitionTransaction> one = Started(under_test_->transactions(), Partition(1));
  ASSERT_NE(zero, nullptr);
  ASSERT_NE(one, nullptr);
  ASSERT_TRUE(one->CommitWithOffset(Offset(20)).ok());
  ASSERT_TRUE(zero->CommitWithOffset(Offset(10)).ok());
  ASSERT_TRUE(one->CommitWithOffset(Offset(21)).ok());

  EXPECT_EQ(GroupOffsetOf(*under_test_, Partition(0)), Offset(10));
  EXPECT_EQ(GroupOffsetOf(*under_test_, Partition(1)), Offset(21));
}

}  // namespace
}  // namespace clickstream
