#include "protocol/testing/fault_injector.h"

#include <string>

namespace clickstream {

void FaultInjector::CrashAfter(int64_t steps) {
  MutexLock lock(mu_);
  crash_after_ = steps;
}

void FaultInjector::FailNext() {
  MutexLock lock(mu_);
  fail_next_ = true;
}

void FaultInjector::LoseNextAck() {
  MutexLock lock(mu_);
  lose_next_ack_ = true;
}

void FaultInjector::Restart() {
  MutexLock lock(mu_);
  crash_after_.reset();
  crashed_ = false;
  fail_next_ = false;
  lose_next_ack_ = false;
}

Status FaultInjector::BeginStep(std::string_view what) {
  MutexLock lock(mu_);
  if (crash_after_ && steps_ >= *crash_after_) crashed_ = true;
  if (crashed_) return Status::Unavailable(std::string(what) + ": the process crashed");
  if (fail_next_) {
    fail_next_ = false;
    return Status::Unavailable(std::string(what) + ": injected failure");
  }
  ++steps_;
  return Status::OK();
}

Status FaultInjector::EndStep(std::string_view what) {
  MutexLock lock(mu_);
  if (!lose_next_ack_) return Status::OK();
  lose_next_ack_ = false;
  return Status::Unavailable(std::string(what) + ": applied, acknowledgement lost");
}

Status FaultInjector::Read(std::string_view what) const {
  MutexLock lock(mu_);
  return crashed_ ? Status::Unavailable(std::string(what) + ": the process crashed") : Status::OK();
}

bool FaultInjector::crashed() const {
  MutexLock lock(mu_);
  return crashed_;
}

int64_t FaultInjector::steps() const {
  MutexLock lock(mu_);
  return steps_;
}

}  // namespace clickstream
