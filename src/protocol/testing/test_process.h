// TestProcess: a member of the service's consumer group over the in-memory fakes, for the crash-point and
// schedule tests. The orchestration is the service's own (PartitionSet, with RecoverPartition,
// PartitionTask, CommitCoordinator and PostgresRetry under it); this driver stands in for the group and
// the poll loop: it assigns and revokes partitions, delivers each assigned partition's records from a
// fixed input where the consumer stands, and commits when told, sealing every lake buffer once all its
// partitions reached the end of their input (as a graceful stop does). Lake buffers are sealed every
// `seal_every` records and written by the commit that records them, so a run's durable steps come in
// one order.
//
// A commit the coordinator could not write ends the process (Commit returns the error: the caller
// restarts it).
//
// Thread safety: one thread; the coordinator's worker is its own. The durable state, the injector and
// the input are not owned and must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/event.h"
#include "engine/options.h"
#include "engine/parser.h"
#include "observability/pipeline_probe.h"
#include "protocol/clock.h"
#include "protocol/partition_set.h"
#include "protocol/postgres_retry.h"
#include "protocol/testing/fake_lake_store.h"
#include "protocol/testing/fake_partition_transaction.h"
#include "protocol/testing/fake_record_source.h"
#include "protocol/testing/fake_result_store.h"
#include "protocol/testing/fault_injector.h"

namespace clickstream {

// Everything that survives a process: the database, the lake, the topics.
struct DurableWorld {
  FakeResults results;
  FakeLake lake;
  FakeTopics topics;
};

// Records of each input partition, by offset, as parsed: events and rejections.
using TestInput = std::map<int32_t, std::vector<ParseOutcome>>;

// A deterministic input: `per_partition` records for each of `partitions` partitions, a few users and
// pages, event time moving forward with late events among them, and a few records rejected.
TestInput MakeTestInput(int32_t partitions, int per_partition);

class TestProcess {
 public:
  TestProcess(DurableWorld* world, FaultInjector* faults, const TestInput* input, std::string writer,
              int seal_every = 5);

  // The group gives it the partition: claimed and recovered now, or broken until RecoverBroken.
  void Assign(Partition partition);
  // The group takes the partition away after a last commit; with `lost`, the group gave it to another
  // member already. What was not committed is dropped (the next owner re-reads it).
  void Revoke(Partition partition, bool lost = false);
  std::vector<Partition> assigned();

  // Delivers up to `records` records of each assigned partition that is not paused.
  void Handle(int records);
  // Claims again every broken partition it is assigned.
  void RecoverBroken();
  // E for every partition, then C and L through the coordinator, waiting for it. Errors: the
  // coordinator's (the process ends).
  Status Commit();
  // Every assigned partition is processed to the end of its input and committed.
  bool Done() const;

 private:
  int64_t End(int32_t partition) const { return static_cast<int64_t>(input_->at(partition).size()); }

  const TestInput* input_;
  PipelineProbe probe_;
  PostgresRetry retry_;
  FixedClock clock_{EventTime::FromMicros(0)};  // the fake lake seals by size, never by age
  FakeResultStore store_;
  FakeLakeStore lake_;
  FakePartitionTransactions transactions_;
  FakeRecordSource source_;
  PartitionSet partitions_;  // last: its commit worker stops before the fakes go
};

// Equal iff the results, lake and topics of `a` and `b` hold the same rows and records.
bool SameOutput(const DurableWorld& a, const DurableWorld& b, std::string* difference);

}  // namespace clickstream
