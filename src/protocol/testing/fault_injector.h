// FaultInjector: the faults the in-memory stores of the protocol's tests inject (fake_result_store.h,
// fake_lake_store.h, fake_partition_transaction.h). Every call of a fake that changes durable state is
// one step of a sequence shared by all fakes of a test, so a crash can be placed after any step k:
//   - CrashAfter(k): steps 1..k are applied; step k+1 and every call after it fail without effect,
//     until Restart() (the process is gone; the durable state the fakes point to survives);
//   - FailNext(): the next step fails without effect;
//   - LoseNextAck(): the next step is applied, then reported as failed (a lost acknowledgement).
// Failures are retryable Status::Unavailable.
//
// Thread safety: thread-safe (the commit worker and the consuming thread both call the fakes).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/mutex.h"
#include "common/status.h"

namespace clickstream {

class FaultInjector {
 public:
  void CrashAfter(int64_t steps);
  void FailNext();
  void LoseNextAck();
  // The process restarts: no crash pending, nothing crashed.
  void Restart();

  // Called by a fake before a durable change `what`: OK to apply it, else the failure to return.
  Status BeginStep(std::string_view what);
  // Called after applying it: OK, or the failure reporting a lost acknowledgement.
  Status EndStep(std::string_view what);
  // Called by reads: fails once crashed.
  Status Read(std::string_view what) const;

  bool crashed() const;
  // Steps applied since construction.
  int64_t steps() const;

 private:
  mutable Mutex mu_;
  int64_t steps_ GUARDED_BY(mu_) = 0;
  std::optional<int64_t> crash_after_ GUARDED_BY(mu_);
  bool crashed_ GUARDED_BY(mu_) = false;
  bool fail_next_ GUARDED_BY(mu_) = false;
  bool lose_next_ack_ GUARDED_BY(mu_) = false;
};

}  // namespace clickstream
