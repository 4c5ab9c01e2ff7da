// RecordSourceContract: what the commit protocol's orchestration relies on of a RecordSource
// (protocol/record_source.h), written once and run against every implementation, the in-memory one
// (FakeRecordSource) and the Kafka one (KafkaRecordSource on a consumer of the test broker), so that the
// fake cannot drift from the adapter. The committed offset is the group's, 0 when it has none; a
// partition is read from where a seek puts it; a paused partition delivers nothing, and once resumed it
// is read on after the last record delivered.
//
// An implementation runs the suite through INSTANTIATE_TEST_SUITE_P(name, RecordSourceContract,
// ::testing::Values(RecordSourceImplementation{...}), ImplementationName<RecordSourceUnderTest>).
//
// Thread safety: a test's.
#pragma once

#include <optional>

#include "common/status.h"
#include "common/types.h"
#include "protocol/record_source.h"
#include "protocol/testing/contract.h"

namespace clickstream {

// One implementation's source of a topic of two partitions holding records at offsets 0 to 9 at least,
// with the group's side of it.
class RecordSourceUnderTest {
 public:
  virtual ~RecordSourceUnderTest() = default;

  virtual RecordSource& source() = 0;
  // The group assigns the member the partition, read from `next` on.
  virtual void Assign(Partition partition, Offset next) = 0;
  // The offset of the partition's next record delivered; nullopt when none comes (a reader's patience ran
  // out).
  virtual std::optional<Offset> NextDelivered(Partition partition) = 0;
  // Commits the group's offset of the partition, as a transaction of the partition would.
  virtual Status CommitGroupOffset(Partition partition, Offset next) = 0;
};

using RecordSourceImplementation = ContractImplementation<RecordSourceUnderTest>;
using RecordSourceContract = Contract<RecordSourceUnderTest>;

}  // namespace clickstream
