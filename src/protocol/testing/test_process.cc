#include "protocol/testing/test_process.h"

#include <algorithm>

namespace clickstream {
namespace {

// Failures are retried at once; a crash ends the retries.
constexpr RetryPolicy kNoWait{.initial = std::chrono::milliseconds(0), .max = std::chrono::milliseconds(0)};

// Lake seals written by the commit that records them, in the order of the other steps; failures
// retried at the next chance.
PartitionSetOptions FakeSetOptions() {
  PartitionSetOptions options;
  options.recovery_backoff = kNoWait;
  options.write_seals_in_background = false;
  return options;
}

}  // namespace

TestInput MakeTestInput(int32_t partitions, int per_partition) {
  TestInput input;
  constexpr EventType kTypes[] = {EventType::kPageView, EventType::kClick, EventType::kPageView,
                                  EventType::kSessionStart};
  for (int32_t p = 0; p < partitions; ++p) {
    std::vector<ParseOutcome>& records = input[p];
    for (int i = 0; i < per_partition; ++i) {
      if (i % 11 == 10) {
        records.emplace_back(Rejection{RejectReason::kInvalidJson, "record " + std::to_string(i)});
        continue;
      }
      // 20 s apart; every 7th event 3 minutes back, behind the 2-minute lateness: late.
      const int64_t seconds = 1'700'000'000 + i * 20 - (i % 7 == 6 ? 180 : 0);
      records.emplace_back(Event{EventTime::FromMicros(seconds * 1'000'000),
                                 "u" + std::to_string(p) + "-" + std::to_string(i % 3),
                                 "/page/" + std::to_string(i % 4), kTypes[i % 4]});
    }
  }
  return input;
}

TestProcess::TestProcess(DurableWorld* world, FaultInjector* faults, const TestInput* input,
                         std::string writer, int seal_every)
    : input_(input),
      retry_(
          &probe_, [faults] { return faults->crashed(); }, kNoWait),
      store_(&world->results, faults),
      lake_(&world->lake, faults, std::move(writer), seal_every),
      transactions_(&world->topics, faults),
      source_(&world->topics, faults),
      partitions_(FakeSetOptions(), &store_, &lake_, &transactions_, &source_, &clock_, &retry_, &probe_) {}

void TestProcess::Assign(Partition partition) {
  // A failed claim leaves the partition broken: RecoverBroken claims it and moves the consumer there.
  (void)partitions_.Assign({partition});
  source_.Assign(partition, partitions_.partitions().at(partition.id())->task.next());
}

void TestProcess::Revoke(Partition partition, bool lost) {
  source_.SetLost(lost);
  (void)partitions_.Revoke({partition});  // a failed commit drops the partition's state
  source_.SetLost(false);
  source_.Unassign(partition);
}

std::vector<Partition> TestProcess::assigned() {
  std::vector<Partition> out;
  for (const int32_t id : source_.Assigned()) out.emplace_back(id);
  return out;
}

void TestProcess::RecoverBroken() { (void)partitions_.RecoverBroken(); }

void TestProcess::Handle(int records) {
  for (const Partition p : assigned()) {
    for (int i = 0; i < records; ++i) {
      const std::optional<Offset> offset = source_.Position(p);
      if (!offset || offset->value() >= End(p.id())) break;
      source_.Delivered(p, *offset);
      PartitionSet::Owned* owned = partitions_.Begin(p, *offset);
      if (owned == nullptr) continue;
      const ParseOutcome& outcome = input_->at(p.id())[static_cast<size_t>(offset->value())];
      // The record as read: an event keyed by its user, a rejected one by its offset.
      const std::string key = outcome.ok() ? outcome.event().user_id : std::to_string(offset->value());
      RecordView original;
      original.key = key;
      // Processing time from the offset, so that every run writes the same records.
      partitions_.End(
          *owned, *offset,
          partitions_.Add(*owned, *offset, outcome, original, EventTime::FromMicros(offset->value())));
    }
  }
}

Status TestProcess::Commit() {
  // Once every partition is read to its end, the process commits as at a graceful stop.
  const bool at_end =
      std::all_of(partitions_.partitions().begin(), partitions_.partitions().end(), [&](const auto& entry) {
        return entry.second->state != PartitionState::kBroken &&
               entry.second->task.next().value() >= End(entry.first);
      });
  return partitions_.CommitNow(at_end ? CommitSeal::kAll : CommitSeal::kDue);
}

bool TestProcess::Done() const {
  for (const auto& [id, owned] : partitions_.partitions()) {
    if (owned->state == PartitionState::kBroken || owned->task.next().value() < End(id) ||
        owned->task.db_committed().value() < End(id) || owned->seal || lake_.Buffered(Partition(id))) {
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
  if (a.topics.Records() != b.topics.Records() || a.topics.GroupOffsets() != b.topics.GroupOffsets()) {
    *difference = "topic records or group offsets differ";
    return false;
  }
  return true;
}

}  // namespace clickstream
