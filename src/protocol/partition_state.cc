#include "protocol/partition_state.h"

#include "common/check.h"
#include "common/log.h"

namespace clickstream {

std::string_view PartitionStateName(PartitionState state) {
  switch (state) {
    case PartitionState::kReading:
      return "reading";
    case PartitionState::kBroken:
      return "broken";
    case PartitionState::kKept:
      return "kept";
    case PartitionState::kReleased:
      return "released";
  }
  return "unknown";
}

bool LegalTransition(PartitionState from, PartitionState to) {
  using enum PartitionState;
  switch (from) {
    case kReading:
      return to == kBroken || to == kKept || to == kReleased;
    case kBroken:
      return to == kReleased;
    case kKept:
      return to == kReading || to == kReleased;
    case kReleased:
      return false;
  }
  return false;
}

void Transition(Partition partition, PartitionState* state, PartitionState to) {
  CS_CHECK(LegalTransition(*state, to)) << "partition " << partition.id() << ": illegal move from "
                                        << PartitionStateName(*state) << " to " << PartitionStateName(to);
  log::Debug("run", "partition {}: {} -> {}", partition.id(), PartitionStateName(*state),
             PartitionStateName(to));
  *state = to;
}

}  // namespace clickstream
