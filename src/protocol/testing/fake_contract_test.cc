// The contract suites against the in-memory implementations of the commit protocol's interfaces: the
// fakes the protocol's own tests run on behave as the adapters do (tests/adapter_contract_test.cc runs
// the same cases against those, src/service/lake_writer_store_contract_test.cc against the Parquet lake).
#include <algorithm>
#include <iterator>

#include "protocol/testing/fake_lake_store.h"
#include "protocol/testing/fake_partition_transaction.h"
#include "protocol/testing/fake_record_source.h"
#include "protocol/testing/fake_result_store.h"
#include "protocol/testing/fault_injector.h"
#include "protocol/testing/lake_store_contract.h"
#include "protocol/testing/partition_transactions_contract.h"
#include "protocol/testing/record_source_contract.h"
#include "protocol/testing/result_store_contract.h"

namespace clickstream {
namespace {

class FakePartitionTransactionsUnderTest final : public PartitionTransactionsUnderTest {
 public:
  PartitionTransactions& transactions() override { return transactions_; }
  const std::string& output_topic() const override { return output_topic_; }
  std::vector<FakeTopics::Record> ReadCommitted(size_t /*expected*/) override {
    MutexLock lock(topics_.mu);
    std::vector<FakeTopics::Record> seen;
    for (const auto& [partition, records] : topics_.records) {
      std::copy_if(records.begin(), records.end(), std::back_inserter(seen),
                   [&](const FakeTopics::Record& r) { return r.topic == output_topic_; });
    }
    return seen;
  }
  Result<std::optional<Offset>> GroupOffset(Partition partition) override {
    MutexLock lock(topics_.mu);
    const auto it = topics_.group_offsets.find(partition.id());
    return it == topics_.group_offsets.end() ? std::nullopt : std::optional<Offset>(it->second);
  }

 private:
  FakeTopics topics_;
  FaultInjector no_faults_;
  FakePartitionTransactions transactions_{&topics_, &no_faults_};
  std::string output_topic_ = "enriched";
};

// Owns the durable state it runs on.
class FakeResultStoreUnderTest final : public ResultStore {
 public:
  Result<PartitionClaim> Claim(Partition partition) override { return store_.Claim(partition); }
  Result<int64_t> Fence(Partition partition) override { return store_.Fence(partition); }
  Status Commit(const std::vector<const PartitionCommit*>& commits, std::vector<Partition>* fenced,
                const BeforeCommit& before_commit) override {
    return store_.Commit(commits, fenced, before_commit);
  }

 private:
  FakeResults results_;
  FaultInjector no_faults_;
  FakeResultStore store_{&results_, &no_faults_};
};

class FakeLakeStoreUnderTest final : public LakeStoreUnderTest {
 public:
  LakeStore& store() override { return store_; }
  LakeFiles Files() const override {
    LakeFiles files;
    for (const auto& [path, offsets] : lake_.hidden) files.hidden.insert(path);
    for (const auto& [path, offsets] : lake_.visible) files.visible.insert(path);
    return files;
  }

 private:
  FakeLake lake_;
  FaultInjector no_faults_;
  FakeLakeStore store_{&lake_, &no_faults_};
};

// A member's source whose partitions hold records at every offset.
class FakeRecordSourceUnderTest final : public RecordSourceUnderTest {
 public:
  RecordSource& source() override { return source_; }
  void Assign(Partition partition, Offset next) override { source_.Assign(partition, next); }
  std::optional<Offset> NextDelivered(Partition partition) override {
    const std::optional<Offset> next = source_.Position(partition);
    if (next) source_.Delivered(partition, *next);
    return next;
  }
  Status CommitGroupOffset(Partition partition, Offset next) override {
    MutexLock lock(topics_.mu);
    topics_.group_offsets[partition.id()] = next;
    return Status::OK();
  }

 private:
  FakeTopics topics_;
  FaultInjector no_faults_;
  FakeRecordSource source_{&topics_, &no_faults_};
};

INSTANTIATE_TEST_SUITE_P(Fake, PartitionTransactionsContract,
                         ::testing::Values(PartitionTransactionsImplementation{
                             "FakePartitionTransactions",
                             [] { return std::make_unique<FakePartitionTransactionsUnderTest>(); }}),
                         ImplementationName<PartitionTransactionsUnderTest>);

INSTANTIATE_TEST_SUITE_P(Fake, ResultStoreContract,
                         ::testing::Values(ResultStoreImplementation{
                             "FakeResultStore", [] { return std::make_unique<FakeResultStoreUnderTest>(); }}),
                         ImplementationName<ResultStore>);

INSTANTIATE_TEST_SUITE_P(Fake, LakeStoreContract,
                         ::testing::Values(LakeStoreImplementation{
                             "FakeLakeStore", [] { return std::make_unique<FakeLakeStoreUnderTest>(); }}),
                         ImplementationName<LakeStoreUnderTest>);

INSTANTIATE_TEST_SUITE_P(Fake, RecordSourceContract,
                         ::testing::Values(RecordSourceImplementation{
                             "FakeRecordSource",
                             [] { return std::make_unique<FakeRecordSourceUnderTest>(); }}),
                         ImplementationName<RecordSourceUnderTest>);

}  // namespace
}  // namespace clickstream
