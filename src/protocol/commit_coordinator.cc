#include "protocol/commit_coordinator.h"

#include <algorithm>

#include "common/log.h"

namespace clickstream {
namespace {

using Clock = std::chrono::steady_clock;

// The component of this file's log lines.
constexpr std::string_view kLog = "run";

// A commit slower than this is logged with where its time went.
constexpr int64_t kSlowCommitMicros = 2'000'000;

int64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

}  // namespace

CommitCoordinator::CommitCoordinator(ResultStore* store, const LakeStore* lake, PostgresRetry* retry,
                                     PipelineProbe* probe)
    : store_(store), lake_(lake), retry_(retry), probe_(probe), worker_([this] { Work(); }) {}

CommitCoordinator::~CommitCoordinator() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.NotifyAll();
  worker_.join();
}

void CommitCoordinator::Start(PendingCommit commit) {
  started_ = commit.started;
  pending_ = true;
  {
    MutexLock lock(mu_);
    job_ = std::move(commit);
    done_.reset();
  }
  cv_.NotifyAll();
}

std::optional<CommitCoordinator::Finished> CommitCoordinator::Finish(Wait wait) {
  if (!pending_) return std::nullopt;
  MutexLock lock(mu_);
  if (wait == Wait::kYes) {
    while (!done_) cv_.Wait(mu_);
  } else if (!done_) {
    return std::nullopt;
  }
  Finished finished{std::move(*job_), std::move(*done_)};
  job_.reset();
  done_.reset();
  pending_ = false;
  return finished;
}

void CommitCoordinator::Work() {
  MutexLock lock(mu_);
  while (true) {
    while (!stopping_ && !(job_ && !done_)) cv_.Wait(mu_);
    if (stopping_) return;
    PendingCommit& job = *job_;  // the consuming thread leaves job_ alone until done_ is set
    Status st;
    {
      MutexUnlock unlocked(mu_);
      st = Write(job);
    }
    done_ = std::move(st);
    cv_.NotifyAll();
  }
}

Status CommitCoordinator::CommitToStore(const std::vector<PendingCommit::Entry>& entries,
                                        std::vector<Partition>* fenced, const BeforeCommit& before_commit) {
  std::vector<const PartitionCommit*> commits;
  commits.reserve(entries.size());
  for (const PendingCommit::Entry& entry : entries) commits.push_back(&entry.commit);
  const Status st = retry_->Run("commit", [&] { return store_->Commit(commits, fenced, before_commit); });
  if (st.code() != StatusCode::kRefused) return st;
  return Status::Refused("PostgreSQL refused the results: " + st.message() +
                         "; the transaction was rolled back, nothing of it was written; once fixed, restart: "
                         "processing resumes from the last commit");
}

Status CommitCoordinator::Write(PendingCommit& commit) {
  const auto db_started = Clock::now();
  std::vector<Partition> fenced;
  int64_t kafka_wait_micros = 0;  // not PostgreSQL's time: its transaction waits for Kafka's
  const auto kafka_failed = [&] {
    if (!commit.kafka.valid()) return std::vector<Partition>{};
    const auto waited_from = Clock::now();
    const KafkaOutcome& kafka = commit.kafka.get();
    kafka_wait_micros += MicrosSince(waited_from);
    return kafka.failed;
  };
  Status st = CommitToStore(commit.entries, &fenced, kafka_failed);
  // Partitions another process claimed, or whose Kafka transaction failed, are left out; the others'
  // results are committed without them.
  while (st.code() == StatusCode::kFenced && !fenced.empty()) {
    log::Warn(kLog, "{}", st.message());
    const std::vector<Partition> failed = kafka_failed();
    for (size_t i = commit.entries.size(); i-- > 0;) {
      const Partition p = commit.entries[i].commit.partition;
      if (std::find(fenced.begin(), fenced.end(), p) == fenced.end()) continue;
      // One whose Kafka transaction failed is recovering already; the others were claimed elsewhere.
      if (std::find(failed.begin(), failed.end(), p) == failed.end()) commit.fenced.push_back(p);
      commit.entries.erase(commit.entries.begin() + static_cast<std::ptrdiff_t>(i));
    }
    st = CommitToStore(commit.entries, &fenced, kafka_failed);
  }
  const int64_t db_micros = MicrosSince(db_started) - kafka_wait_micros;
  probe_->db_commit_micros_total.fetch_add(db_micros, std::memory_order_relaxed);
  CS_RETURN_NOT_OK(st);
  for (const PendingCommit::Entry& entry : commit.entries) {
    const PartitionCommit& c = entry.commit;
    const size_t rows = c.late_events.size() + (c.changes != nullptr ? c.changes->result_rows() : 0);
    probe_->db_rows_total.fetch_add(static_cast<int64_t>(rows), std::memory_order_relaxed);
  }
  for (const PendingCommit::Entry& entry : commit.entries) {
    for (const Batch& batch : entry.batches) CS_RETURN_NOT_OK(lake_->Publish(batch));
  }
  const int64_t micros = MicrosSince(commit.started);
  const int64_t kafka_micros = commit.kafka.valid() ? commit.kafka.get().micros : 0;
  probe_->SetLastCommit(micros, kafka_micros, db_micros);
  probe_->ObserveCommit(micros);
  if (micros > kSlowCommitMicros) {
    log::Warn(kLog, "slow commit: {:.0f} ms (kafka {:.0f}, postgres {:.0f})", micros / 1e3,
              kafka_micros / 1e3, db_micros / 1e3);
  }
  return Status::OK();
}

}  // namespace clickstream
