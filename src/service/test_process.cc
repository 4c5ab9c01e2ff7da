#include "service/test_process.h"

#include "format/enriched_record.h"
#include "service/partition_recovery.h"

namespace clickstream {
namespace {

constexpr char kEnrichedTopic[] = "enriched_activity";
// Failures are retried at once; a crash ends the retries.
constexpr RetryPolicy kNoWait{{std::chrono::milliseconds(0), std::chrono::milliseconds(0)},
                              std::chrono::hours(1)};

}  // namespace

TestInput MakeTestInput(int32_t partitions, int per_partition) {
  TestInput input;
  constexpr EventType kTypes[] = {EventType::kPageView, EventType::kClick, EventType::kPageView,
                                  EventType::kSessionStart};
  for (int32_t p = 0; p < partitions; ++p) {
    std::vector<Event>& events = input[p];
    for (int i = 0; i < per_partition; ++i) {
      // 20 s apart; every 7th event 3 minutes back, behind the 2-minute lateness: late.
      const int64_t seconds = 1'700'000'000 + i * 20 - (i % 7 == 6 ? 180 : 0);
      events.push_back({EventTime::FromMicros(seconds * 1'000'000),
                        "u" + std::to_string(p) + "-" + std::to_string(i % 3),
                        "/page/" + std::to_string(i % 4), kTypes[i % 4]});
    }
  }
  return input;
}

TestProcess::TestProcess(DurableWorld* world, FaultInjector* faults, const TestInput* input,
                         std::string writer, int seal_every)
    : world_(world),
      faults_(faults),
      input_(input),
      writer_(std::move(writer)),
      seal_every_(seal_every),
      retry_(
          &probe_, [faults] { return faults->crashed(); }, kNoWait),
      store_(&world->results, faults),
      lake_(&world->lake, faults),
      committer_(&store_, &lake_, &retry_, &probe_) {}

void TestProcess::Assign(Partition partition) { Recover(partition, owned_[partition.id()]); }

void TestProcess::Revoke(Partition partition) { owned_.erase(partition.id()); }

std::vector<Partition> TestProcess::assigned() const {
  std::vector<Partition> out;
  for (const auto& [id, owned] : owned_) out.emplace_back(id);
  return out;
}

void TestProcess::Recover(Partition partition, Owned& owned) {
  owned = Owned{};
  Result<RecoveredPartition> recovered = RecoverPartition(partition, store_, lake_, retry_, options_);
  if (!recovered.ok()) return;
  Result<std::unique_ptr<FakePartitionTransaction>> transaction =
      FakePartitionTransaction::Start(&world_->topics, faults_, partition);
  if (!transaction.ok()) return;
  Offset group_offset(0);
  {
    std::lock_guard lock(world_->topics.mu);
    if (auto it = world_->topics.group_offsets.find(partition.id()); it != world_->topics.group_offsets.end())
      group_offset = it->second;
  }
  owned.task.emplace(partition, std::move(*recovered), group_offset);
  owned.transaction = std::move(*transaction);
}

void TestProcess::RecoverBroken() {
  for (auto& [id, owned] : owned_) {
    if (!owned.task) Recover(Partition(id), owned);
  }
}

void TestProcess::Handle(int records) {
  std::string json;
  for (auto& [id, owned] : owned_) {
    if (!owned.task) continue;
    PartitionTask& task = *owned.task;
    const std::vector<Event>& events = input_->at(id);
    for (int i = 0; i < records && task.next().value() < static_cast<int64_t>(events.size()); ++i) {
      const Offset offset = task.next();
      const Event& event = events[static_cast<size_t>(offset.value())];
      task.CatchUp(offset);
      const Admission admission = task.Admit(offset, event);
      owned.lake_buffer.push_back(offset);
      if (task.WritesKafka(offset)) {
        // Processing time from the offset, so that every run writes the same records.
        EnrichedRecordJson(event, EventTime::FromMicros(offset.value()), admission.late, &json);
        if (!owned.transaction->Send(kEnrichedTopic, event.user_id, json).ok()) {
          owned = Owned{};
          break;
        }
      }
      task.Handled(offset);
    }
  }
}

Status TestProcess::Commit() {
  for (auto& [id, owned] : owned_) {
    if (!owned.task || !owned.task->KafkaDue()) continue;
    if (!owned.transaction->CommitWithOffset(owned.task->next(), nullptr).ok()) {
      owned = Owned{};
      continue;
    }
    owned.task->KafkaCommitted();
  }
  PendingCommit commit;
  commit.started = std::chrono::steady_clock::now();
  for (auto& [id, owned] : owned_) {
    if (!owned.task || owned.task->replaying()) continue;
    PartitionTask& task = *owned.task;
    auto changes = std::make_unique<Changes>();
    task.engine().TakeChanges(changes.get());
    std::vector<Batch> written;
    std::optional<std::pair<Offset, std::string>> snapshot;
    const bool at_end = task.next().value() >= static_cast<int64_t>(input_->at(id).size());
    if (!owned.lake_buffer.empty() &&
        (at_end || owned.lake_buffer.size() >= static_cast<size_t>(seal_every_))) {
      Result<Batch> batch = lake_.WriteHidden(Partition(id), owned.lake_buffer, writer_);
      if (batch.ok()) {
        written.push_back(std::move(*batch));
        snapshot.emplace(task.next(), task.engine().SaveState());
        owned.lake_buffer.clear();
      }
    }
    std::optional<pg::PartitionCommit> taken = task.TakeCommit(changes.get(), written, std::move(snapshot));
    if (!taken) continue;
    commit.Add(std::move(*taken), std::move(changes), std::move(written));
  }
  if (commit.commits.empty()) return Status::OK();
  committer_.Start(std::move(commit));
  CommitCoordinator::Finished finished = std::move(*committer_.Finish(/*wait=*/true));
  if (!finished.status.ok()) return finished.status;
  // Another member claimed them: recovered (claimed back) while this one is still assigned them.
  for (const Partition p : finished.commit.fenced) owned_[p.id()] = Owned{};
  for (size_t i = 0; i < finished.commit.commits.size(); ++i) {
    const pg::PartitionCommit& c = finished.commit.commits[i];
    if (auto it = owned_.find(c.partition.id()); it != owned_.end() && it->second.task) {
      it->second.task->Committed(c, !finished.commit.batches[i].empty());
    }
  }
  return Status::OK();
}

bool TestProcess::Done() const {
  for (const auto& [id, owned] : owned_) {
    const int64_t end = static_cast<int64_t>(input_->at(id).size());
    if (!owned.task || owned.task->next().value() < end || owned.task->db_committed().value() < end ||
        !owned.lake_buffer.empty()) {
      return false;
    }
  }
  return true;
}

bool SameOutput(const DurableWorld& a, const DurableWorld& b, std::string* difference) {
  if (!(a.results.rows == b.results.rows)) {
    *difference = "result rows differ";
    return false;
  }
  const auto rows = a.lake.VisibleRows(), other = b.lake.VisibleRows();
  for (const auto& [row, count] : other) {
    if (!rows.contains(row)) {
      *difference = "lake row of partition " + std::to_string(row.first) + " offset " +
                    std::to_string(row.second) + " missing";
      return false;
    }
  }
  for (const auto& [row, count] : rows) {
    if (count != 1) {
      *difference = "lake row of partition " + std::to_string(row.first) + " offset " +
                    std::to_string(row.second) + " visible " + std::to_string(count) + " times";
      return false;
    }
  }
  if (!a.lake.hidden.empty() || !b.lake.hidden.empty()) {
    *difference = "hidden lake files left";
    return false;
  }
  if (a.topics.records != b.topics.records || a.topics.group_offsets != b.topics.group_offsets) {
    *difference = "topic records or group offsets differ";
    return false;
  }
  return true;
}

}  // namespace clickstream
