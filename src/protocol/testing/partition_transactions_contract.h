// PartitionTransactionsContract: what the commit protocol relies on of PartitionTransactions
// (protocol/partition_transaction.h), written once and run against every implementation, the in-memory
// one (FakePartitionTransactions) and the Kafka one (KafkaPartitionTransactions against a broker), so that
// the fake cannot drift from the adapter. A reader of the output topic with isolation level
// read_committed sees a committed transaction's records as sent (a forwarded one with its original's key
// and value, null apart from empty, its headers and then the added ones, its timestamp) and the group
// offset committed with them; nothing of a transaction not committed; a partition's second Start fences
// the first, whose commit then fails with kFenced.
//
// An implementation runs the suite through INSTANTIATE_TEST_SUITE_P(name, PartitionTransactionsContract,
// ::testing::Values(PartitionTransactionsImplementation{...}),
// ImplementationName<PartitionTransactionsUnderTest>).
//
// Thread safety: a test's.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "protocol/partition_transaction.h"
#include "protocol/testing/contract.h"
#include "protocol/testing/fake_partition_transaction.h"

namespace clickstream {

// One implementation's transactions, with what the readers of its output and of its group's offsets see.
class PartitionTransactionsUnderTest {
 public:
  virtual ~PartitionTransactionsUnderTest() = default;

  virtual PartitionTransactions& transactions() = 0;
  // A topic of one partition that the transactions may send to, empty so far.
  virtual const std::string& output_topic() const = 0;
  // The output topic's records a read_committed consumer sees, in order, once `expected` of them arrived
  // (or a reader's patience ran out). The record's topic is the output topic.
  virtual std::vector<FakeTopics::Record> ReadCommitted(size_t expected) = 0;
  // The group's committed offset of the input partition; nullopt when none.
  virtual Result<std::optional<Offset>> GroupOffset(Partition partition) = 0;
};

using PartitionTransactionsImplementation = ContractImplementation<PartitionTransactionsUnderTest>;
using PartitionTransactionsContract = Contract<PartitionTransactionsUnderTest>;

}  // namespace clickstream
