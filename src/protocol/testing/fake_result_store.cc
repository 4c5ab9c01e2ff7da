#include "protocol/testing/fake_result_store.h"

#include <algorithm>

namespace clickstream {

Result<PartitionClaim> FakeResultStore::Claim(Partition partition) {
  CS_RETURN_NOT_OK(faults_->BeginStep("claim"));
  FakeResults::Progress& progress = durable_->progress[partition.id()];
  ++progress.fence;
  PartitionClaim claim{progress.fence, progress.next_offset, progress.watermark, progress.snapshot,
                       progress.lake_batches};
  CS_RETURN_NOT_OK(faults_->EndStep("claim"));
  return claim;
}

Result<int64_t> FakeResultStore::Fence(Partition partition) {
  CS_RETURN_NOT_OK(faults_->Read("fence"));
  return durable_->progress[partition.id()].fence;
}

Status FakeResultStore::Commit(const std::vector<const PartitionCommit*>& commits,
                               std::vector<Partition>* fenced, const BeforeCommit& before_commit) {
  // Nothing is durable before COMMIT, so the hook runs first: the steps keep one order, whatever the
  // threads do.
  const std::vector<Partition> left_out = before_commit ? before_commit() : std::vector<Partition>{};
  CS_RETURN_NOT_OK(faults_->BeginStep("commit"));
  std::string stale;
  for (const PartitionCommit* c : commits) {
    const bool out = std::find(left_out.begin(), left_out.end(), c->partition) != left_out.end();
    if (!out && durable_->progress[c->partition.id()].fence == c->fence) continue;
    if (fenced != nullptr) fenced->push_back(c->partition);
    stale += " " + std::to_string(c->partition.id());
  }
  if (!stale.empty()) return Status::Fenced("partitions" + stale + ": not the current fence");
  for (const PartitionCommit* c : commits) Apply(*c);
  return faults_->EndStep("commit");
}

void FakeResultStore::Apply(const PartitionCommit& c) {
  const int32_t p = c.partition.id();
  FakeResults::Progress& progress = durable_->progress[p];
  const bool applied = c.next_offset != c.previous_offset && progress.next_offset == c.next_offset;
  progress.next_offset = c.next_offset;
  progress.watermark = c.watermark;
  durable_->rows.next_offsets[p] = c.next_offset.value();
  if (applied) return;
  FakeResults::Rows& rows = durable_->rows;
  if (c.changes != nullptr) {
    for (const PageViewCountRow& r : c.changes->page_view_counts) {
      rows.page_views[{p, r.window_start.micros(), r.page_url}] = r;
    }
    for (const ActiveUsersRow& r : c.changes->active_users)
      rows.active_users[{p, r.window_start.micros()}] = r;
    for (const SessionKey& k : c.changes->removed_sessions) rows.sessions.erase(k);
    for (const SessionRow& r : c.changes->sessions) rows.sessions[{r.user_id, r.session_start_time}] = r;
  }
  for (const LateEventRecord& r : c.late_events) rows.late_events.try_emplace({p, r.offset.value()}, r.late);
  if (c.snapshot) progress.snapshot = c.snapshot;
  if (c.lake_published) progress.lake_batches.clear();
  for (const std::string& batch : c.lake_batches) {
    if (std::find(progress.lake_batches.begin(), progress.lake_batches.end(), batch) ==
        progress.lake_batches.end()) {
      progress.lake_batches.push_back(batch);
    }
  }
}

}  // namespace clickstream
