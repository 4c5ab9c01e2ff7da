// RecordSource: the input partitions' consumer as the service's orchestration drives it: which
// partitions the group assigns this member, each partition's group offset (the enriched topic's
// progress E), where reading goes on (after a recovery), and pausing a partition (backpressure from the
// lake). Records themselves reach the orchestration from the poll loop, not through this interface.
// Implemented on a librdkafka consumer (KafkaRecordSource) and in memory for tests.
//
// Thread safety: the consuming thread's.
#pragma once

#include <cstdint>
#include <set>

#include "common/status.h"
#include "common/types.h"

namespace clickstream {

class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // The partitions the member is assigned; none once it knows it lost them (before they are revoked).
  virtual std::set<int32_t> Assigned() = 0;
  // The group gave this member's partitions to others without a revocation (it was cut off too long).
  virtual bool AssignmentLost() = 0;
  // The group's committed offset of the partition: 0 when none.
  virtual Result<Offset> Committed(Partition partition) = 0;
  // The partition is read from `next` on.
  virtual Status Seek(Partition partition, Offset next) = 0;
  // Stops or resumes reading the partition; resuming reads on after the last record delivered.
  virtual Status SetPaused(Partition partition, bool paused) = 0;
};

}  // namespace clickstream
