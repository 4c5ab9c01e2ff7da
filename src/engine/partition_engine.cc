#include "engine/partition_engine.h"

#include <algorithm>
#include <array>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "common/check.h"
#include "engine/active_users.h"
#include "engine/page_view_counts.h"
#include "engine/sessions.h"
#include "engine/snapshot.h"
#include "engine/user_index.h"
#include "engine/watermark.h"

namespace clickstream {
namespace {

constexpr uint32_t kSnapshotMagic = 0x434b4c43;  // "CLKC"
// Version 2 added UserActivity::below; version 1 snapshots still load.
constexpr uint32_t kSnapshotVersion = 2;

struct User {
  std::string id;  // empty for a free slot
  UserActivity activity;
  UserSessions sessions;
  // Due time of this user's live entry in the due queue; Min() if none. Entries with another time are stale.
  EventTime queued_due = EventTime::Min();
  bool dirty = false;
};

void SaveEvent(const Event& e, SnapshotWriter* out) {
  out->Put(e.event_time);
  out->Put(e.user_id);
  out->Put(e.page_url);
  out->Put(e.event_type);
}

Status LoadEvent(SnapshotReader* in, Event* e) {
  CS_RETURN_NOT_OK(in->Get(&e->event_time));
  CS_RETURN_NOT_OK(in->Get(&e->user_id));
  CS_RETURN_NOT_OK(in->Get(&e->page_url));
  return in->Get(&e->event_type);
}

}  // namespace

struct PartitionEngine::State {
  explicit State(EngineOptions o)
      : options(o),
        watermark(o.allowed_lateness),
        page_views(o.page_view_window),
        active_users(o.active_users_window, o.active_users_slide) {}

  uint32_t FindOrCreate(std::string_view user_id) { return FindOrCreate(user_id, UserIndex::Hash(user_id)); }

  uint32_t FindOrCreate(std::string_view user_id, uint32_t hash) {
    const uint32_t found =
        index.Find(user_id, hash, [this](uint32_t slot) -> std::string_view { return users[slot].id; });
    if (found != UserIndex::kNotFound) return found;
    uint32_t slot;
    if (free_slots.empty()) {
      slot = static_cast<uint32_t>(users.size());
      users.emplace_back();
    } else {
      slot = free_slots.back();
      free_slots.pop_back();
    }
    users[slot].id = user_id;
    index.Insert(hash, slot);
    return slot;
  }

  void Free(uint32_t slot) {
    index.Erase(UserIndex::Hash(users[slot].id), slot);
    users[slot] = User{};
    free_slots.push_back(slot);
  }

  void MarkDirty(uint32_t slot) {
    if (users[slot].dirty) return;
    users[slot].dirty = true;
    dirty.push_back(slot);
  }

  // Queues the user for the next watermark at which it has work (a session may become final, or the user
  // may be freed), unless an earlier entry is queued.
  void Schedule(uint32_t slot, Watermark w) {
    User& u = users[slot];
    EventTime next = u.sessions.NextDue(w, options.session_gap);
    // A user without sessions stays until the last window holding one of its events is final.
    if (u.sessions.empty() && active_users.Expiry(u.activity) > w.time())
      next = active_users.Expiry(u.activity);
    if (next == EventTime::Min()) return;
    if (u.queued_due != EventTime::Min() && u.queued_due <= next) return;
    u.queued_due = next;
    due.emplace(next.micros(), slot);
  }

  // Visits every user with work at the current watermark and marks it for TakeChanges if a session became
  // final or the user can be freed.
  void ProcessDue(Watermark w) {
    while (!due.empty() && due.top().first <= w.time().micros()) {
      const uint32_t slot = due.top().second;
      const EventTime when = EventTime::FromMicros(due.top().first);
      due.pop();
      User& u = users[slot];
      if (u.queued_due != when) continue;
      u.queued_due = EventTime::Min();
      u.sessions.Advance(w, options.session_gap);
      if (u.sessions.HasFinal(w, options.session_gap) || u.sessions.empty()) MarkDirty(slot);
      Schedule(slot, w);
    }
  }

  // Starts loading the record of `slot` (every cache line of it), so that it is there when needed.
  void PrefetchUser(uint32_t slot) const {
    const auto begin = reinterpret_cast<uintptr_t>(&users[slot]);
    for (uintptr_t line = begin & ~uintptr_t{63}; line < begin + sizeof(User); line += 64) {
      __builtin_prefetch(reinterpret_cast<const void*>(line));
    }
  }

  // Queues the user-state part of an accepted event (see Add); processes the oldest queued event first
  // when the queue is full.
  void Enqueue(std::string_view user_id, EventTime t, EventType type, Watermark before, Watermark after) {
    if (n_pending == kPending) ProcessOldest();
    Pending& p = pending[(first_pending + n_pending) % kPending];
    p.user_id.assign(user_id);
    p.hash = UserIndex::Hash(user_id);
    p.time = t;
    p.type = type;
    p.before = before;
    p.after = after;
    index.Prefetch(p.hash);
    // The bucket of the event queued kLookahead ago has arrived by now: fetch that user's record next.
    if (n_pending >= kLookahead) {
      const uint32_t guess = index.Guess(pending[(first_pending + n_pending - kLookahead) % kPending].hash);
      if (guess != UserIndex::kNotFound) PrefetchUser(guess);
    }
    ++n_pending;
  }

  // Applies the oldest queued event to its user, the active-user windows and the due queue, at the
  // watermarks it saw on arrival: the same steps, in the same order, as without the queue.
  void ProcessOldest() {
    const Pending& p = pending[first_pending];
    first_pending = (first_pending + 1) % kPending;
    --n_pending;
    const uint32_t slot = FindOrCreate(p.user_id, p.hash);
    User& u = users[slot];
    active_users.Add(p.time, &u.activity);
    u.sessions.Add(p.time, p.type, p.before, options.session_gap);
    MarkDirty(slot);
    Schedule(slot, p.before);
    if (p.after != p.before) ProcessDue(p.after);
  }

  void Flush() {
    while (n_pending > 0) ProcessOldest();
  }

  EngineOptions options;
  WatermarkTracker watermark;
  PageViewCounts page_views;
  ActiveUsers active_users;
  UserIndex index;
  std::vector<User> users;  // by slot
  std::vector<uint32_t> free_slots;
  std::vector<uint32_t> dirty;  // slots to visit in TakeChanges, in first-touch order
  using DueEntry = std::pair<int64_t, uint32_t>;
  std::priority_queue<DueEntry, std::vector<DueEntry>, std::greater<>> due;
  std::vector<LateEvent> late;
  size_t open_sessions = 0;
  UserSessions::Scratch scratch;
  size_t snapshot_bytes = 0;  // of the last SaveState

  // Accepted events whose user state is not updated yet, oldest first: a ring of kPending.
  struct Pending {
    std::string user_id;  // reused: assigning keeps its capacity
    uint32_t hash = 0;
    EventTime time;
    EventType type = EventType::kPageView;
    Watermark before;  // W when the event arrived
    Watermark after;   // W once the event was accepted
  };
  // Each event waits kPending events: its index bucket is prefetched on arrival, its user record
  // kLookahead events later, and it is applied kPending events after arrival. Enough misses in flight to
  // hide the memory latency, few enough that the prefetched lines stay in cache.
  static constexpr size_t kPending = 16;
  static constexpr size_t kLookahead = 8;
  std::array<Pending, kPending> pending;
  size_t first_pending = 0;
  size_t n_pending = 0;
};

PartitionEngine::PartitionEngine(EngineOptions options) : state_(std::make_unique<State>(options)) {
  CS_CHECK(options.Validate().ok()) << options.Validate().message();
}
PartitionEngine::~PartitionEngine() = default;
PartitionEngine::PartitionEngine(PartitionEngine&&) noexcept = default;
PartitionEngine& PartitionEngine::operator=(PartitionEngine&&) noexcept = default;

Admission PartitionEngine::Add(const Event& event) {
  State& s = *state_;
  const EventTime t = event.event_time;
  if (s.watermark.IsLate(t)) {
    const Duration lateness = s.watermark.Lateness(t);
    s.late.push_back({event, lateness});
    return {true, lateness};
  }
  // Page view counts depend on no user state: counted now. The user's part waits in the queue, so that
  // its memory is fetched while other events are processed (a user record is a cache miss: users are
  // many and touched in no order).
  if (event.event_type == EventType::kPageView) s.page_views.Add(t, event.page_url);
  const Watermark before = s.watermark.watermark();
  (void)s.watermark.Accept(t);
  s.Enqueue(event.user_id, t, event.event_type, before, s.watermark.watermark());
  return {};
}

Watermark PartitionEngine::watermark() const { return state_->watermark.watermark(); }

void PartitionEngine::TakeChanges(Changes* out) {
  State& s = *state_;
  s.Flush();
  out->clear();
  const Watermark w = s.watermark.watermark();
  s.page_views.TakeChanges(w, &out->page_view_counts);
  s.active_users.TakeChanges(w, &out->active_users);
  // Dirty users are scattered over the table: each record is fetched a few users ahead of its turn.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(kAhead, s.dirty.size()); ++i) s.PrefetchUser(s.dirty[i]);
  for (size_t i = 0; i < s.dirty.size(); ++i) {
    if (i + kAhead < s.dirty.size()) s.PrefetchUser(s.dirty[i + kAhead]);
    const uint32_t slot = s.dirty[i];
    User& u = s.users[slot];
    u.dirty = false;
    s.open_sessions -= u.sessions.open_sessions();
    u.sessions.TakeChanges(u.id, w, s.options.session_gap, &s.scratch, out);
    s.open_sessions += u.sessions.open_sessions();
    if (u.sessions.empty() && s.active_users.Expiry(u.activity) <= w.time()) {
      s.Free(slot);
    } else {
      s.Schedule(slot, w);
    }
  }
  s.dirty.clear();
  out->late_events.swap(s.late);
  s.late.clear();
}

std::string PartitionEngine::SaveState() const {
  state_->Flush();
  const State& s = *state_;
  std::string snapshot;
  // The last snapshot's size and a little more: grown by doubling instead, a snapshot is copied on the
  // way and may hold up to twice its size while it waits for its commit.
  snapshot.reserve(s.snapshot_bytes + s.snapshot_bytes / 8);
  SnapshotWriter out(&snapshot);
  out.Put(kSnapshotMagic);
  out.Put(kSnapshotVersion);
  for (Duration d : {s.options.allowed_lateness, s.options.session_gap, s.options.page_view_window,
                     s.options.active_users_window, s.options.active_users_slide}) {
    out.Put(d);
  }
  out.Put(s.watermark.max_event_time());
  s.page_views.Save(&out);
  s.active_users.Save(&out);
  // Users in slot order; the dirty list as positions in that order.
  std::vector<uint32_t> position(s.users.size());
  uint32_t n_users = 0;
  for (uint32_t slot = 0; slot < s.users.size(); ++slot) {
    if (!s.users[slot].id.empty()) position[slot] = n_users++;
  }
  out.Put(n_users);
  for (const User& u : s.users) {
    if (u.id.empty()) continue;
    out.Put(u.id);
    ActiveUsers::SaveUser(u.activity, &out);
    u.sessions.Save(&out);
  }
  out.Put(static_cast<uint32_t>(s.dirty.size()));
  for (const uint32_t slot : s.dirty) out.Put(position[slot]);
  out.Put(static_cast<uint32_t>(s.late.size()));
  for (const LateEvent& late : s.late) {
    SaveEvent(late.event, &out);
    out.Put(late.lateness);
  }
  state_->snapshot_bytes = snapshot.size();
  return snapshot;
}

Result<PartitionEngine> PartitionEngine::Restore(std::string_view snapshot, EngineOptions options) {
  CS_RETURN_NOT_OK(options.Validate());
  SnapshotReader in(snapshot);
  uint32_t magic = 0, version = 0;
  CS_RETURN_NOT_OK(in.Get(&magic));
  CS_RETURN_NOT_OK(in.Get(&version));
  if (magic != kSnapshotMagic) return SnapshotReader::Corrupt("not an engine snapshot");
  if (version < 1 || version > kSnapshotVersion) {
    return Status::InvalidData("engine snapshot version " + std::to_string(version) +
                               " is not supported (expected 1 to " + std::to_string(kSnapshotVersion) +
                               "): rebuild state by replaying the partition");
  }
  EngineOptions saved;
  for (Duration* d : {&saved.allowed_lateness, &saved.session_gap, &saved.page_view_window,
                      &saved.active_users_window, &saved.active_users_slide}) {
    CS_RETURN_NOT_OK(in.Get(d));
  }
  if (!(saved == options)) {
    return Status::InvalidArgument("engine snapshot was taken with other window, gap or lateness options");
  }
  PartitionEngine engine(options);
  State& s = *engine.state_;
  EventTime max_time;
  CS_RETURN_NOT_OK(in.Get(&max_time));
  if (max_time != EventTime::Min()) (void)s.watermark.Accept(max_time);
  CS_RETURN_NOT_OK(s.page_views.Load(&in));
  CS_RETURN_NOT_OK(s.active_users.Load(&in));
  uint32_t n_users = 0;
  CS_RETURN_NOT_OK(in.GetCount(&n_users, 8));
  for (uint32_t i = 0; i < n_users; ++i) {
    std::string id;
    CS_RETURN_NOT_OK(in.Get(&id));
    if (id.empty()) return SnapshotReader::Corrupt("empty user_id");
    const uint32_t slot = s.FindOrCreate(id);
    if (slot != i) return SnapshotReader::Corrupt("duplicate user");
    User& u = s.users[slot];
    CS_RETURN_NOT_OK(ActiveUsers::LoadUser(&in, version, &u.activity));
    CS_RETURN_NOT_OK(u.sessions.Load(&in));
    s.open_sessions += u.sessions.open_sessions();
    s.Schedule(slot, s.watermark.watermark());
  }
  uint32_t n_dirty = 0;
  CS_RETURN_NOT_OK(in.GetCount(&n_dirty, 4));
  for (uint32_t i = 0; i < n_dirty; ++i) {
    uint32_t position = 0;
    CS_RETURN_NOT_OK(in.Get(&position));
    if (position >= n_users) return SnapshotReader::Corrupt("dirty user out of range");
    s.MarkDirty(position);  // slots were assigned in snapshot order
  }
  uint32_t n_late = 0;
  CS_RETURN_NOT_OK(in.GetCount(&n_late, 29));
  s.late.resize(n_late);
  for (LateEvent& late : s.late) {
    CS_RETURN_NOT_OK(LoadEvent(&in, &late.event));
    CS_RETURN_NOT_OK(in.Get(&late.lateness));
  }
  if (!in.at_end()) return SnapshotReader::Corrupt("trailing bytes");
  return engine;
}

size_t PartitionEngine::open_windows() const {
  state_->Flush();
  return state_->page_views.open_windows() + state_->active_users.open_windows();
}
size_t PartitionEngine::open_sessions() const { return state_->open_sessions; }
size_t PartitionEngine::tracked_users() const {
  state_->Flush();
  return state_->index.size();
}

}  // namespace clickstream
