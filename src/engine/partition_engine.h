// The event-time engine of one Kafka partition: watermark and lateness (SPEC.md section 2), page view
// counts and active users (section 3), sessions (section 4).
//
// Pure: no I/O, no clock, no threads. Deterministic: the same sequence of Add/TakeChanges calls (or the
// same snapshot followed by the same calls) gives the same changes, which is what lets the service rebuild
// state by replaying a partition. Memory is bounded by the open windows and the users active within the
// last session gap, not by history: TakeChanges frees final windows, final sessions and idle users.
//
// Usage: Add every record's event in partition order; call TakeChanges whenever results are to be
// written (every commit). Call it regularly: final state is released there.
//
// Add updates the user state of an event a few events later (a short queue hides the memory latency of
// user records); every other call first finishes the queued work, so no caller can tell. The const
// accessors do too.
//
// Thread safety: not synchronised, const methods included; one engine per partition, used by one thread
// at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/types.h"
#include "engine/changes.h"
#include "engine/event.h"
#include "engine/options.h"

namespace clickstream {

// What happened to one event.
struct Admission {
  bool late = false;
  Duration lateness;  // W - event_time when late, zero otherwise

  bool operator==(const Admission&) const = default;
};

class PartitionEngine {
 public:
  // REQUIRES: options.Validate().ok().
  explicit PartitionEngine(EngineOptions options);
  ~PartitionEngine();
  PartitionEngine(PartitionEngine&&) noexcept;
  PartitionEngine& operator=(PartitionEngine&&) noexcept;

  // Processes one event. A late event (event_time < W) changes no result; it is reported in the next
  // Changes::late_events.
  Admission Add(const Event& event);

  // W of this partition: Watermark::None() before the first event.
  Watermark watermark() const;

  // Moves every result change since the previous call into *out (cleared first).
  void TakeChanges(Changes* out);

  // A versioned binary snapshot of the whole state, changes not yet taken included.
  std::string SaveState() const;
  // Rebuilds an engine from SaveState's output. Fails with InvalidData on a corrupt snapshot and with
  // InvalidArgument if `options` differ from the ones the snapshot was taken with.
  [[nodiscard]] static Result<PartitionEngine> Restore(std::string_view snapshot, EngineOptions options);

  // For metrics.
  size_t open_windows() const;   // page view + active user windows not final yet
  size_t open_sessions() const;  // sessions not final yet (reported ones plus the frozen heads)
  size_t tracked_users() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace clickstream
