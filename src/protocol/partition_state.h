// PartitionState: where an owned partition is in its lifecycle on this member of the consumer group,
// from being claimed (or kept) to being released. PartitionSet holds one per partition state it keeps.
//
//   kReading   claimed, or kept and assigned again: its records are read, processed and committed.
//              Whether it is still replaying offsets the store holds is its task's (PartitionTask); a
//              reading paused behind a lake write is the source's pause, which outlasts a break.
//   kBroken    a sink, its Kafka transaction, its claim, a pause, a seek or the schema registry failed:
//              not read nor committed; claimed anew from durable state once its backoff passed, if still
//              assigned (the broken state is then released for the new one). Fenced by another process,
//              it waits a session timeout at least: its Kafka transaction fenced, it breaks; its results
//              fenced, it is released and replaced by a broken state.
//   kKept      revoked after a commit that succeeded: held until the assignment says whether it comes
//              back to this member with its fence unchanged.
//   kReleased  its lake buffer discarded and its reading resumed: the state is destroyed next. Final.
//
// Legal moves (any other is a bug and stops the process):
//
//   from \ to   kReading  kBroken  kKept  kReleased
//   kReading       -         x       x        x
//   kBroken        -         -       -        x
//   kKept          x         -       -        x
//   kReleased      -         -       -        -
//
// A partition claimed again, after a break or a rebalance, gets a new state (kReading), or a broken
// one (kBroken, via kReading) when the claim failed.
//
// Thread safety: a plain value; Transition writes a log line (thread-safe).
#pragma once

#include <string_view>

#include "common/types.h"

namespace clickstream {

enum class PartitionState { kReading, kBroken, kKept, kReleased };

// "reading", "broken", "kept" or "released".
std::string_view PartitionStateName(PartitionState state);
// The table above lists the move.
bool LegalTransition(PartitionState from, PartitionState to);
// Moves `partition`'s `*state` to `to`, logged at debug level. REQUIRES: LegalTransition(*state, to).
void Transition(Partition partition, PartitionState* state, PartitionState to);

}  // namespace clickstream
