// TestProcess: a member of the service's consumer group over the in-memory fakes, for the crash-point and
// schedule tests. It runs the service's own protocol code (RecoverPartition, PartitionTask,
// CommitCoordinator, PostgresRetry) over a fixed input and stands in for the poll loop around it: reading
// a partition from its task's next offset, sealing a lake buffer every `seal_every` records, committing
// E (the partition transactions) before C and L (the coordinator).
//
// Failure handling follows the pipeline's: a failed Kafka commit or lake recovery leaves the partition
// broken until it is recovered (RecoverBroken); a failed lake write keeps the rows for the next seal; a
// commit the coordinator could not write ends the process (Commit returns the error: the caller
// restarts it); a fenced partition is broken too (claimed back while still assigned).
//
// Thread safety: one thread; the coordinator's worker is its own. The durable state, the injector and
// the input are not owned and must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/event.h"
#include "engine/options.h"
#include "service/commit_coordinator.h"
#include "service/fake_lake_store.h"
#include "service/fake_partition_transaction.h"
#include "service/fake_result_store.h"
#include "service/fault_injector.h"
#include "service/partition_task.h"
#include "service/pipeline_probe.h"
#include "service/postgres_retry.h"

namespace clickstream {

// Everything that survives a process: the database, the lake, the topics.
struct DurableWorld {
  FakeResults results;
  FakeLake lake;
  FakeTopics topics;
};

// Events of each input partition, by offset.
using TestInput = std::map<int32_t, std::vector<Event>>;

// A deterministic input: `per_partition` events for each of `partitions` partitions, a few users and
// pages, event time moving forward with late events among them.
TestInput MakeTestInput(int32_t partitions, int per_partition);

class TestProcess {
 public:
  TestProcess(DurableWorld* world, FaultInjector* faults, const TestInput* input, std::string writer,
              int seal_every = 5);

  // The group gives it the partition: claimed and recovered now, or broken until RecoverBroken.
  void Assign(Partition partition);
  // The group takes the partition away; what was not committed is dropped (the next owner re-reads it).
  void Revoke(Partition partition);
  std::vector<Partition> assigned() const;

  // Handles up to `records` records of each owned partition that is not broken.
  void Handle(int records);
  // Claims again every broken partition it is assigned.
  void RecoverBroken();
  // E for every partition, then C and L through the coordinator, waiting for it. A partition at the end
  // of its input seals its whole lake buffer. Errors: the coordinator's (the process ends).
  Status Commit();
  // Every assigned partition is processed to the end of its input and committed.
  bool Done() const;

 private:
  struct Owned {
    std::optional<PartitionTask> task;  // nullopt: broken, to be recovered
    std::unique_ptr<FakePartitionTransaction> transaction;
    std::vector<Offset> lake_buffer;
  };
  void Recover(Partition partition, Owned& owned);

  DurableWorld* world_;
  FaultInjector* faults_;
  const TestInput* input_;
  std::string writer_;
  int seal_every_;
  EngineOptions options_;
  PipelineProbe probe_;
  PostgresRetry retry_;
  FakeResultStore store_;
  FakeLakeStore lake_;
  CommitCoordinator committer_;
  std::map<int32_t, Owned> owned_;
};

// Equal iff the results, lake and topics of `a` and `b` hold the same rows and records.
bool SameOutput(const DurableWorld& a, const DurableWorld& b, std::string* difference);

}  // namespace clickstream
