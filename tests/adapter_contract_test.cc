// The contract suites (src/protocol/testing/*_contract.h) against the adapters on the test services:
// KafkaPartitionTransactions on transactional producers, read back by a read_committed consumer,
// PostgresResultStore on the server, and KafkaRecordSource on a consumer of partitions the test assigns.
// src/protocol/testing/fake_contract_test.cc runs the same cases against the fakes.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <memory>

#include "kafka/topics.h"
#include "postgres/results_sink.h"
#include "protocol/testing/partition_transactions_contract.h"
#include "protocol/testing/record_source_contract.h"
#include "protocol/testing/result_store_contract.h"
#include "service/kafka_partition_transactions.h"
#include "service/kafka_record_source.h"
#include "service/postgres_result_store.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

constexpr int kTimeoutMs = 10000;

// Transactions of a group of its own, from an input topic of two partitions to an output topic of one.
class KafkaPartitionTransactionsUnderTest final : public PartitionTransactionsUnderTest {
 public:
  KafkaPartitionTransactionsUnderTest() {
    const Status created =
        kafka::EnsureTopics(Services().bootstrap_servers, {{input_topic_, 2}, {output_topic_, 1}}, 30000);
    EXPECT_TRUE(created.ok()) << created.message();
  }

  PartitionTransactions& transactions() override { return transactions_; }
  const std::string& output_topic() const override { return output_topic_; }

  std::vector<FakeTopics::Record> ReadCommitted(size_t expected) override {
    std::vector<FakeTopics::Record> seen;
    for (ConsumedRecord& r : ConsumeAll(output_topic_, expected, 20, /*read_committed=*/true)) {
      FakeTopics::Record& record = seen.emplace_back(FakeTopics::Record{
          output_topic_, std::nullopt, std::nullopt, std::move(r.header_list), r.timestamp_ms});
      if (!r.key_null) record.key = std::move(r.key);
      if (!r.value_null) record.value = std::move(r.value);
    }
    return seen;
  }

  Result<std::optional<Offset>> GroupOffset(Partition partition) override {
    std::string err;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", Services().bootstrap_servers, err);
    conf->set("group.id", group_id_, err);
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer) return Status::InvalidArgument("consumer: " + err);
    std::vector<RdKafka::TopicPartition*> positions{
        RdKafka::TopicPartition::create(input_topic_, partition.id())};
    const RdKafka::ErrorCode code = consumer->committed(positions, kTimeoutMs);
    const int64_t offset = positions[0]->offset();
    RdKafka::TopicPartition::destroy(positions);
    consumer->close();
    if (code != RdKafka::ERR_NO_ERROR) return Status::Unavailable("committed: " + RdKafka::err2str(code));
    return offset < 0 ? std::nullopt : std::optional<Offset>(Offset(offset));
  }

 private:
  std::string input_topic_ = UniqueTopic("contract_in");
  std::string output_topic_ = UniqueTopic("contract_out");
  std::string group_id_ = UniqueTopic("contract_group");
  KafkaPartitionTransactions transactions_{
      {{"bootstrap.servers", Services().bootstrap_servers}}, group_id_, input_topic_, kTimeoutMs, nullptr};
};

// A consumer of a group of its own, partitions assigned by the test, over an input topic of two partitions
// holding 10 records or more each.
class KafkaRecordSourceUnderTest final : public RecordSourceUnderTest {
 public:
  KafkaRecordSourceUnderTest() {
    const Status created = kafka::EnsureTopics(Services().bootstrap_servers, {{topic_, 2}}, 30000);
    EXPECT_TRUE(created.ok()) << created.message();
    // Partitioned by key: these keys put 10 records or more in each partition.
    std::vector<KeyedRecord> records;
    for (int i = 0; i < 40; ++i) records.push_back({"key-" + std::to_string(i), "record"});
    ProduceAll(topic_, records);
    std::string err;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", Services().bootstrap_servers, err);
    conf->set("group.id", UniqueTopic("contract_group"), err);
    conf->set("enable.auto.commit", "false", err);
    conf->set("enable.auto.offset.store", "false", err);
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    EXPECT_NE(consumer_, nullptr) << err;
    source_ = std::make_unique<KafkaRecordSource>(consumer_.get(), topic_, kTimeoutMs);
  }
  ~KafkaRecordSourceUnderTest() override {
    source_.reset();
    if (consumer_) consumer_->close();
  }

  RecordSource& source() override { return *source_; }

  void Assign(Partition partition, Offset next) override {
    std::vector<RdKafka::TopicPartition*> assigned{
        RdKafka::TopicPartition::create(topic_, partition.id(), next.value())};
    const std::unique_ptr<RdKafka::Error> error(consumer_->incremental_assign(assigned));
    RdKafka::TopicPartition::destroy(assigned);
    EXPECT_EQ(error, nullptr) << error->str();
  }

  std::optional<Offset> NextDelivered(Partition partition) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      std::unique_ptr<RdKafka::Message> message(consumer_->consume(100));
      if (message->err() == RdKafka::ERR_NO_ERROR && message->partition() == partition.id()) {
        return Offset(message->offset());
      }
    }
    return std::nullopt;
  }

  Status CommitGroupOffset(Partition partition, Offset next) override {
    std::vector<RdKafka::TopicPartition*> offsets{
        RdKafka::TopicPartition::create(topic_, partition.id(), next.value())};
    const RdKafka::ErrorCode code = consumer_->commitSync(offsets);
    RdKafka::TopicPartition::destroy(offsets);
    return code == RdKafka::ERR_NO_ERROR ? Status::OK()
                                         : Status::Unavailable("commit: " + RdKafka::err2str(code));
  }

 private:
  std::string topic_ = UniqueTopic("contract_source");
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<KafkaRecordSource> source_;
};

// On the test server's database, emptied first.
std::unique_ptr<ResultStore> EmptyPostgresResultStore() {
  Result<pg::Connection> db = pg::Connection::Open(Services().pg);
  EXPECT_TRUE(db.ok()) << db.status().message();
  if (db.ok()) ResetTables(*db);
  Result<pg::ResultsSink> sink = pg::ResultsSink::Open(Services().pg);
  EXPECT_TRUE(sink.ok()) << sink.status().message();
  if (!sink.ok()) return nullptr;
  return std::make_unique<PostgresResultStore>(std::move(sink).value());
}

INSTANTIATE_TEST_SUITE_P(Adapter, PartitionTransactionsContract,
                         ::testing::Values(PartitionTransactionsImplementation{
                             "KafkaPartitionTransactions",
                             [] { return std::make_unique<KafkaPartitionTransactionsUnderTest>(); }}),
                         ImplementationName<PartitionTransactionsUnderTest>);

INSTANTIATE_TEST_SUITE_P(Adapter, ResultStoreContract,
                         ::testing::Values(ResultStoreImplementation{"PostgresResultStore",
                                                                     EmptyPostgresResultStore}),
                         ImplementationName<ResultStore>);

INSTANTIATE_TEST_SUITE_P(Adapter, RecordSourceContract,
                         ::testing::Values(RecordSourceImplementation{
                             "KafkaRecordSource",
                             [] { return std::make_unique<KafkaRecordSourceUnderTest>(); }}),
                         ImplementationName<RecordSourceUnderTest>);

}  // namespace
}  // namespace clickstream::testing
