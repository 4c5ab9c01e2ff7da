#include "protocol/lake_seal.h"

namespace clickstream {

LakeSeal::LakeSeal(std::unique_ptr<SealedRows> rows, Offset end, std::string snapshot, RetryPolicy retry,
                   LakeWriteWorker* worker)
    : rows_(std::move(rows)), end_(end), snapshot_(std::move(snapshot)), retry_(retry), worker_(worker) {
  Write();
}

// A submitted write refers to the rows: it must be done before they go. A deferred one never started.
LakeSeal::~LakeSeal() {
  if (worker_ != nullptr && written_.valid()) written_.wait();
}

void LakeSeal::Write() {
  written_ = worker_ != nullptr ? worker_->Submit(rows_.get())
                                : std::async(std::launch::deferred, [this] { return rows_->Write(); });
}

Result<std::optional<LakeSeal::Written>> LakeSeal::Collect(Wait wait) {
  using Clock = std::chrono::steady_clock;
  if (!written_.valid()) {
    if (wait == Wait::kNo && Clock::now() < retry_at_) return std::optional<Written>();
    Write();
  }
  // A deferred write runs now, in get().
  if (wait == Wait::kNo && written_.wait_for(std::chrono::seconds(0)) == std::future_status::timeout) {
    return std::optional<Written>();
  }
  Result<Batch> batch = written_.get();
  if (!batch.ok()) {
    last_backoff_ = retry_.After(failures_++);
    retry_at_ = Clock::now() + last_backoff_;
    return batch.status();
  }
  return std::optional<Written>(Written{std::move(*batch), end_, std::move(snapshot_)});
}

}  // namespace clickstream
