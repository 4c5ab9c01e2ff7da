#include "protocol/partition_set.h"

#include <algorithm>
#include <future>
#include <optional>
#include <set>

#include "common/log.h"
#include "engine/partition_engine.h"
#include "format/enriched_record.h"
#include "protocol/partition_recovery.h"

namespace clickstream {
namespace {

// The component of this file's log lines.
constexpr std::string_view kLog = "run";

}  // namespace

PartitionSet::PartitionSet(PartitionSetOptions options, ResultStore* store, LakeStore* lake,
                           PartitionTransactions* transactions, RecordSource* source, const Clock* clock,
                           PostgresRetry* retry, PipelineProbe* probe)
    : options_(std::move(options)),
      store_(store),
      lake_(lake),
      transactions_(transactions),
      source_(source),
      clock_(clock),
      retry_(retry),
      probe_(probe),
      committer_(store, lake, retry, probe) {
  if (options_.write_seals_in_background) seal_writer_.emplace();
}

std::vector<Status> PartitionSet::Claim(const std::vector<Partition>& claims,
                                        std::vector<std::unique_ptr<Owned>>* out) {
  std::vector<Status> results(claims.size());
  out->clear();
  out->resize(claims.size());
  // The states one after the other: they share the PostgreSQL connection.
  std::vector<std::optional<RecoveredPartition>> recovered(claims.size());
  for (size_t i = 0; i < claims.size(); ++i) {
    Result<RecoveredPartition> r = RecoverPartition(claims[i], *store_, *lake_, *retry_, options_.engine);
    if (r.ok()) {
      recovered[i].emplace(std::move(*r));
    } else {
      results[i] = r.status();
    }
  }
  // The transactions all at once: starting one waits for the broker (the coordinator's lookup and the
  // fencing of the partition's previous producer; 55-520 ms with librdkafka 2.16), and the partitions
  // already being read wait for the claims of a rebalance, so they wait for the slowest start rather
  // than the sum. Starting a transaction fences an older owner's and aborts its open one, after which the
  // group offset is the exact progress of the enriched topic.
  std::vector<std::unique_ptr<PartitionTransaction>> transactions(claims.size());
  kafka_committer_.Run(claims.size(), [&](size_t i) {
    if (!recovered[i]) return;
    Result<std::unique_ptr<PartitionTransaction>> t = transactions_->Start(claims[i]);
    if (t.ok()) {
      transactions[i] = std::move(*t);
    } else {
      results[i] = t.status();
    }
  });
  for (size_t i = 0; i < claims.size(); ++i) {
    if (!transactions[i]) continue;
    const Partition p = claims[i];
    Result<Offset> committed = source_->Committed(p);
    if (!committed.ok()) {
      results[i] = committed.status();
      continue;
    }
    auto owned = std::make_unique<Owned>(PartitionTask(p, std::move(*recovered[i]), *committed));
    owned->transaction = std::move(transactions[i]);
    const PartitionTask& task = owned->task;
    log::Info(
        kLog, "partition {} claimed (fence {}): replay from offset {}, results from {}, enriched from {}",
        p.id(), task.fence(), task.next().value(), task.results_from().value(), task.kafka_from().value());
    (*out)[i] = std::move(owned);
  }
  return results;
}

std::unique_ptr<PartitionSet::Owned> PartitionSet::Kept(Partition p) {
  auto node = revoked_.extract(p.id());
  if (node.empty()) return nullptr;
  std::unique_ptr<Owned> owned = std::move(node.mapped());
  int64_t fence = 0;
  const Status st = retry_->Run("fence check of partition " + std::to_string(p.id()), [&] {
    CS_ASSIGN_OR_RETURN(fence, store_->Fence(p));
    return Status::OK();
  });
  if (!st.ok() || fence != owned->task.fence()) {
    Forget(*owned);
    return nullptr;
  }
  Transition(p, &owned->state, PartitionState::kReading);
  log::Info(kLog, "partition {} kept (fence {}): goes on from offset {}", p.id(), owned->task.fence(),
            owned->task.next().value());
  return owned;
}

std::vector<Status> PartitionSet::Assign(const std::vector<Partition>& assigned) {
  std::vector<Status> results(assigned.size());
  std::vector<Partition> claims;
  std::vector<size_t> claimed_at;  // claims[j] is assigned[claimed_at[j]]
  for (size_t i = 0; i < assigned.size(); ++i) {
    const Partition partition = assigned[i];
    if (auto it = partitions_.find(partition.id()); it != partitions_.end()) Forget(*it->second);
    if (std::unique_ptr<Owned> owned = Kept(partition)) {
      partitions_[partition.id()] = std::move(owned);
    } else {
      claims.push_back(partition);
      claimed_at.push_back(i);
    }
  }
  std::vector<std::unique_ptr<Owned>> fresh;
  const std::vector<Status> claimed = Claim(claims, &fresh);
  for (size_t j = 0; j < claims.size(); ++j) {
    results[claimed_at[j]] = claimed[j];
    partitions_[claims[j].id()] = claimed[j].ok() ? std::move(fresh[j]) : Dropped(claims[j], 0);
  }
  return results;
}

void PartitionSet::ReleaseKept() {
  for (auto& [id, owned] : revoked_) Forget(*owned);
  revoked_.clear();
}

Status PartitionSet::Revoke(const std::vector<Partition>& partitions) {
  // What was processed becomes durable; the next owner replays the lake buffer from L.
  const Status st = CommitNow(CommitSeal::kDue);
  // The eager protocol revokes every partition at each rebalance, and most come back to the same
  // member: keep their states (lake buffers included) until the assignment says, so that they go on
  // where they are instead of re-reading from the last lake seal. Not when the commit failed (its
  // changes are gone) or the group already gave the partitions to others (lost).
  const bool keep = st.ok() && !source_->AssignmentLost();
  for (const Partition p : partitions) {
    auto it = partitions_.find(p.id());
    if (it == partitions_.end()) continue;
    if (keep && it->second->state == PartitionState::kReading) {
      // Resumed while still assigned: a kept state is never paused (backpressure pauses it again).
      if (it->second->paused) SetPaused(*it->second, Pause::kNo);
      Transition(p, &it->second->state, PartitionState::kKept);
      revoked_[it->first] = std::move(it->second);
    } else {
      Forget(*it->second);
    }
    partitions_.erase(it);
  }
  return st;
}

PartitionSet::Owned* PartitionSet::Begin(Partition partition, Offset offset) {
  auto it = partitions_.find(partition.id());
  if (it == partitions_.end() || it->second->state != PartitionState::kReading) return nullptr;
  Owned& owned = *it->second;
  if (owned.task.Processed(offset)) return nullptr;  // re-delivery after a seek
  // A gap in the offsets may jump past the point where the re-read catches up.
  owned.task.CatchUp(offset);
  return &owned;
}

Status PartitionSet::Add(Owned& owned, Offset offset, const ParseOutcome& outcome, const RecordView& original,
                         EventTime now) {
  const bool write_kafka = owned.task.WritesKafka(offset);
  if (!outcome.ok()) {
    const Rejection& r = outcome.rejection();
    probe_->rejected[static_cast<size_t>(r.reason)].fetch_add(1, std::memory_order_relaxed);
    if (!write_kafka) return Status::OK();
    std::vector<AddedHeader> headers;
    for (auto& [name, value] : DeadLetterHeaders(r, {options_.input_topic, owned.task.partition(), offset})) {
      headers.push_back({std::move(name), std::move(value)});
    }
    return owned.transaction->Forward(options_.dlq_topic, original, headers);
  }
  const Event& event = outcome.event();
  if (!original.key || *original.key != event.user_id)
    probe_->misrouted.fetch_add(1, std::memory_order_relaxed);
  const Admission admission = owned.task.Admit(offset, event);
  (admission.late ? probe_->late : probe_->accepted).fetch_add(1, std::memory_order_relaxed);
  CS_RETURN_NOT_OK(lake_->Append(owned.task.partition(), offset, LakeRow::Of(event, admission.late, now)));
  if (!write_kafka) return Status::OK();
  EnrichedRecordJson(event, now, admission.late, &scratch_);
  return owned.transaction->Send(options_.enriched_topic, event.user_id, scratch_);
}

void PartitionSet::End(Owned& owned, Offset offset, const Status& st) {
  if (!st.ok()) {
    log::Error(kLog, "partition {}: {}", owned.task.partition().id(), st.message());
    probe_->CountError(st.code() == StatusCode::kIoError ? probe_->lake_errors : probe_->kafka_errors,
                       st.message());
    Break(owned);
    return;
  }
  owned.task.Handled(offset);
  // Backpressure: a slow or full lake disk holds at most one buffer in writing and one full behind it.
  if (owned.seal && !owned.paused && lake_->Full(owned.task.partition())) SetPaused(owned, Pause::kYes);
}

Status PartitionSet::StartCommit(CommitSeal seal) {
  const bool final_seal = seal == CommitSeal::kAll;
  const EventTime now = clock_->Now();
  PendingCommit commit;
  commit.started = SteadyClock::now();
  last_start_ = commit.started;
  // Chosen before the results are taken, which changes neither what is due nor next().
  std::vector<Owned*> kafka_commits;
  for (auto& [id, owned] : partitions_) {
    if (owned->state == PartitionState::kReading && owned->task.KafkaDue()) {
      kafka_commits.push_back(owned.get());
    }
  }
  // Buffers that reached the roll size are all sealed now: under a backlog commits are seconds apart, and a
  // buffer waiting for its turn would keep growing far past the roll size. Buffers due only by age are
  // sealed one per commit, spreading the cost of Parquet
  // encoding and engine snapshots; partitions take turns, so one cannot keep the others waiting.
  const std::optional<int32_t> to_seal = final_seal ? std::nullopt : NextToSeal(now);
  for (auto& [id, owned] : partitions_) {
    Owned& ps = *owned;
    if (ps.state != PartitionState::kReading || ps.task.replaying()) continue;
    // Taken before a seal's snapshot, which then holds no changes left to commit.
    auto changes = std::make_unique<Changes>();
    ps.task.engine().TakeChanges(changes.get());
    std::vector<Batch> written;
    std::optional<EngineSnapshot> snapshot;
    // A lake batch written in the background is recorded now; at a graceful stop it is waited for, and
    // the tail is sealed and recorded too.
    if (ps.seal) CS_RETURN_NOT_OK(CollectSeal(ps, final_seal ? Wait::kYes : Wait::kNo, &written, &snapshot));
    if (final_seal) {
      StartSeal(ps);
      if (ps.seal) CS_RETURN_NOT_OK(CollectSeal(ps, Wait::kYes, &written, &snapshot));
    } else if (to_seal == id) {
      last_sealed_ = id;
      StartSeal(ps);
    } else if (!ps.seal && lake_->Full(ps.task.partition())) {
      StartSeal(ps);
    }
    std::optional<PartitionCommit> taken = ps.task.TakeCommit(changes.get(), written, std::move(snapshot));
    if (!taken) continue;
    commit.Add(std::move(*taken), std::move(changes), std::move(written));
  }
  probe_->lake_retrying.store(
      std::any_of(partitions_.begin(), partitions_.end(),
                  [](const auto& entry) { return entry.second->seal && entry.second->seal->failures() > 0; }),
      std::memory_order_relaxed);
  probe_->last_commit_pass_unix_micros.store(now.micros(), std::memory_order_relaxed);
  // The results transaction writes its rows while the Kafka transactions commit, and commits once they
  // did (without the partitions whose transaction failed): a commit costs the longer of the two rather
  // than their sum, and results still never get ahead of the enriched topic (C <= E).
  std::promise<KafkaOutcome> kafka_done;
  if (!commit.entries.empty()) {
    commit.kafka = kafka_done.get_future().share();
    committer_.Start(std::move(commit));
  }
  Status refused;
  kafka_done.set_value(CommitKafka(kafka_commits, &refused));
  reading_since_ = SteadyClock::now();
  return refused;
}

KafkaOutcome PartitionSet::CommitKafka(const std::vector<Owned*>& due, Status* refused) {
  const auto started = SteadyClock::now();
  // The partitions' Kafka transactions are independent (one producer each): commit them concurrently,
  // so a commit costs one broker round trip rather than one per partition.
  std::vector<Status> results(due.size());
  kafka_committer_.Run(
      due.size(), [&](size_t i) { results[i] = due[i]->transaction->CommitWithOffset(due[i]->task.next()); });
  KafkaOutcome outcome;
  for (size_t i = 0; i < due.size(); ++i) {
    Owned& owned = *due[i];
    if (!results[i].ok()) {
      log::Error(kLog, "{}", results[i].message());
      probe_->CountError(probe_->kafka_errors, results[i].message());
      // Retriable past the commit's timeout: the broker is away.
      if (results[i].retryable()) {
        kafka_outage_.Failed("transaction of partition " + std::to_string(owned.task.partition().id()),
                             results[i].message());
      }
      // Fenced: another process started the partition's transaction, so this one may be a zombie that
      // lost the group without knowing yet: it claims the partition again only if still assigned one
      // session timeout later. Refused (an ACL): retrying cannot help, the process stops. Otherwise
      // (abortable, or retriable past its deadline) the partition re-reads from its last commit.
      if (results[i].code() == StatusCode::kRefused && refused->ok()) *refused = results[i];
      Break(owned, results[i].code() == StatusCode::kFenced ? SteadyClock::duration(options_.fenced_wait)
                                                            : SteadyClock::duration{});
      outcome.failed.push_back(owned.task.partition());
      continue;
    }
    owned.task.KafkaCommitted();
    kafka_outage_.Succeeded();
  }
  outcome.micros =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started).count();
  if (!due.empty()) probe_->kafka_commit_micros_total.fetch_add(outcome.micros, std::memory_order_relaxed);
  return outcome;
}

std::optional<int32_t> PartitionSet::NextToSeal(EventTime now) const {
  const auto due = [&](const auto& entry) {
    const Owned& owned = *entry.second;
    return owned.state == PartitionState::kReading && !owned.task.replaying() && !owned.seal &&
           lake_->ShouldSeal(owned.task.partition(), now);
  };
  const auto after = partitions_.upper_bound(last_sealed_);
  if (auto it = std::find_if(after, partitions_.end(), due); it != partitions_.end()) return it->first;
  if (auto it = std::find_if(partitions_.begin(), after, due); it != after) return it->first;
  return std::nullopt;
}

void PartitionSet::StartSeal(Owned& owned) {
  std::unique_ptr<SealedRows> taken = lake_->Take(owned.task.partition());
  if (!taken) return;
  owned.seal.emplace(std::move(taken), owned.task.next(), owned.task.engine().SaveState(),
                     options_.recovery_backoff, seal_writer_ ? &*seal_writer_ : nullptr);
}

Status PartitionSet::CollectSeal(Owned& owned, Wait wait, std::vector<Batch>* written,
                                 std::optional<EngineSnapshot>* snapshot) {
  Result<std::optional<LakeSeal::Written>> collected = owned.seal->Collect(wait);
  if (!collected.ok()) {
    probe_->CountError(probe_->lake_errors, collected.status().message());
    if (wait == Wait::kYes) return collected.status();
    // A full disk is waited out: results and topics go on meanwhile, until the partition's next buffer
    // is full too and pauses it.
    log::Warn(kLog, "partition {}: {} (retrying in {} s)", owned.task.partition().id(),
              collected.status().message(),
              std::chrono::duration_cast<std::chrono::seconds>(owned.seal->last_backoff()).count());
    return Status::OK();
  }
  if (!*collected) return Status::OK();
  written->push_back(std::move((*collected)->batch));
  *snapshot = EngineSnapshot{(*collected)->end, std::move((*collected)->snapshot)};
  owned.seal.reset();
  if (owned.paused) SetPaused(owned, Pause::kNo);
  return Status::OK();
}

void PartitionSet::SetPaused(Owned& owned, Pause pause) {
  const Partition p = owned.task.partition();
  const bool paused = pause == Pause::kYes;
  if (const Status st = source_->SetPaused(p, paused); !st.ok()) {
    log::Error(kLog, "partition {}: {} failed: {}", p.id(), paused ? "pause" : "resume", st.message());
    // Reading on without the pause would buffer without bound: the partition recovers from durable
    // state instead, once its lake write is done.
    if (paused) {
      probe_->CountError(probe_->kafka_errors, st.message());
      Break(owned);
    }
    return;
  }
  owned.paused = paused;
  log::Info(kLog, "partition {} {}", p.id(),
            paused ? "paused: its lake buffer is full while the previous one is being written" : "resumed");
}

Result<bool> PartitionSet::FinishCommit(Wait wait) {
  std::optional<CommitCoordinator::Finished> finished = committer_.Finish(wait);
  if (!finished) return false;
  CS_RETURN_NOT_OK(finished->status);
  const PendingCommit& commit = finished->commit;
  for (const Partition p : commit.fenced) {
    // Another process claimed it. This one may be a zombie that lost the group without knowing yet: it
    // claims the partition again only if still assigned one session timeout later, when its consumer
    // would have found out.
    if (auto it = partitions_.find(p.id()); it != partitions_.end()) {
      Forget(*it->second);
      it->second = Dropped(p, it->second->recoveries, options_.fenced_wait);
    }
  }
  for (const PendingCommit::Entry& entry : commit.entries) {
    if (auto it = partitions_.find(entry.commit.partition.id());
        it != partitions_.end() && it->second->task.fence() == entry.commit.fence) {
      Owned& owned = *it->second;
      if (owned.task.Committed(entry.commit, !entry.batches.empty())) owned.recoveries = 0;
    }
    for (const Batch& batch : entry.batches) {
      probe_->lake_files.fetch_add(static_cast<int64_t>(batch.files.size()), std::memory_order_relaxed);
    }
  }
  probe_->commits.fetch_add(1, std::memory_order_relaxed);
  return true;
}

Status PartitionSet::CommitNow(CommitSeal seal) {
  CS_RETURN_NOT_OK(StartCommit(seal));
  return FinishCommit(Wait::kYes).status();
}

void PartitionSet::Break(Owned& owned, SteadyClock::duration at_least) {
  Transition(owned.task.partition(), &owned.state, PartitionState::kBroken);
  owned.recover_at = SteadyClock::now() +
                     std::max<SteadyClock::duration>(at_least, recovery_backoff_.After(owned.recoveries));
}

void PartitionSet::Forget(Owned& owned) {
  if (owned.paused) SetPaused(owned, Pause::kNo);
  lake_->Discard(owned.task.partition());
  Transition(owned.task.partition(), &owned.state, PartitionState::kReleased);
}

std::unique_ptr<PartitionSet::Owned> PartitionSet::Dropped(Partition p, int recoveries,
                                                           SteadyClock::duration at_least) {
  auto owned = std::make_unique<Owned>(PartitionTask(
      p, RecoveredPartition{0, PartitionEngine(options_.engine), Offset(0), Offset(0), false}, Offset(0)));
  owned->recoveries = recoveries;
  Break(*owned, at_least);
  return owned;
}

bool PartitionSet::RecoveryDue() const {
  const auto now = SteadyClock::now();
  return std::any_of(partitions_.begin(), partitions_.end(), [now](const auto& entry) {
    return entry.second->state == PartitionState::kBroken && entry.second->recover_at <= now;
  });
}

// A partition whose sink failed, or that was fenced, restarts from its durable state by claiming it
// again and reading from the replay point: not at once when it keeps failing, and only while assigned.
Status PartitionSet::RecoverBroken() {
  const std::set<int32_t> assigned = source_->Assigned();
  for (auto& [id, owned] : partitions_) {
    if (owned->state != PartitionState::kBroken || SteadyClock::now() < owned->recover_at) continue;
    if (!assigned.contains(id)) {
      owned->recover_at = SteadyClock::now() + std::chrono::seconds(1);  // a revocation is on its way
      continue;
    }
    const Partition p = owned->task.partition();
    const int recoveries = owned->recoveries + 1;
    probe_->recoveries.fetch_add(1, std::memory_order_relaxed);
    Forget(*owned);
    owned.reset();
    std::vector<std::unique_ptr<Owned>> claimed;
    if (const Status st = Claim({p}, &claimed).front(); !st.ok()) {
      owned = Dropped(p, recoveries);
      if (st.code() == StatusCode::kRefused) return st;
      log::Error(kLog, "recovering partition {} failed: {}", p.id(), st.message());
      continue;
    }
    std::unique_ptr<Owned> fresh = std::move(claimed.front());
    fresh->recoveries = recoveries;
    if (const Status seek = source_->Seek(p, fresh->task.next()); !seek.ok()) {
      log::Error(kLog, "seek failed on partition {}: {}", p.id(), seek.message());
      Break(*fresh);
    }
    owned = std::move(fresh);
  }
  return Status::OK();
}

}  // namespace clickstream
