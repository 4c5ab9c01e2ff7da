#include "engine/sessions.h"

#include <algorithm>
#include <limits>

#include "common/check.h"

namespace clickstream {
namespace {

using Summary = UserSessions::Summary;

int Rank(EventType type) {
  switch (type) {
    case EventType::kSessionEnd:
      return 1;
    case EventType::kSessionStart:
      return 2;
    default:
      return 0;
  }
}

bool Boundary(const Summary& current, EventTime t, EventType type, Duration gap) {
  return t - current.end >= gap || type == EventType::kSessionStart ||
         current.last_type == EventType::kSessionEnd;
}

Summary Start(EventTime t, EventType type) { return {t, t, 1, type == EventType::kPageView ? 1 : 0, type}; }

void Extend(Summary* s, EventTime t, EventType type) {
  s->end = t;
  ++s->event_count;
  s->page_view_count += type == EventType::kPageView;
  s->last_type = type;
}

bool IsFinal(const Summary& s, Watermark w, Duration gap) {
  return (s.last_type == EventType::kSessionEnd && w.time() > s.end) || w.time() >= s.end + gap;
}

// Same history row (last_type is internal and not part of it).
bool SameRow(const Summary& a, const Summary& b) {
  return a.start == b.start && a.end == b.end && a.event_count == b.event_count &&
         a.page_view_count == b.page_view_count;
}

SessionRow ToRow(std::string_view user_id, const Summary& s, bool final) {
  return {std::string(user_id), s.start, s.end, s.event_count, s.page_view_count, final};
}

void SaveSummary(const Summary& s, SnapshotWriter* out) {
  out->Put(s.start);
  out->Put(s.end);
  out->Put(s.event_count);
  out->Put(s.page_view_count);
  out->Put(s.last_type);
}

Status LoadSummary(SnapshotReader* in, Summary* s) {
  CS_RETURN_NOT_OK(in->Get(&s->start));
  CS_RETURN_NOT_OK(in->Get(&s->end));
  CS_RETURN_NOT_OK(in->Get(&s->event_count));
  CS_RETURN_NOT_OK(in->Get(&s->page_view_count));
  return in->Get(&s->last_type);
}

constexpr size_t kSummaryBytes = 33;

template <typename Summaries>
void SaveSummaries(const Summaries& v, SnapshotWriter* out) {
  out->Put(static_cast<uint32_t>(v.size()));
  for (const Summary& s : v) SaveSummary(s, out);
}

template <typename Summaries>
Status LoadSummaries(SnapshotReader* in, Summaries* v) {
  uint32_t n = 0;
  CS_RETURN_NOT_OK(in->GetCount(&n, kSummaryBytes));
  v->resize(n);
  for (Summary& s : *v) CS_RETURN_NOT_OK(LoadSummary(in, &s));
  return Status::OK();
}

void SaveOptional(const std::optional<Summary>& s, SnapshotWriter* out) {
  out->Put(static_cast<uint8_t>(s.has_value()));
  if (s) SaveSummary(*s, out);
}

Status LoadOptional(SnapshotReader* in, std::optional<Summary>* s) {
  uint8_t present = 0;
  CS_RETURN_NOT_OK(in->Get(&present));
  s->reset();
  if (!present) return Status::OK();
  // Summary{} rather than emplace(): clang does not see Summary default-constructible from outside
  // UserSessions (a nested class with default member initializers).
  return LoadSummary(in, &s->emplace(Summary{}));
}

}  // namespace

void UserSessions::Add(EventTime t, EventType type, Watermark w, Duration gap) {
  CS_DCHECK(!w.IsLate(t)) << "a late event added to a session";
  Advance(w, gap);
  const TimedType event{t, type};
  // Usually appends: events mostly arrive in order.
  auto pos = std::upper_bound(tail_.begin(), tail_.end(), event, [](const TimedType& a, const TimedType& b) {
    return a.time < b.time || (a.time == b.time && Rank(a.type) < Rank(b.type));
  });
  tail_.insert(pos, event);
}

void UserSessions::Advance(Watermark w, Duration gap) {
  size_t frozen = 0;
  for (; frozen < tail_.size() && tail_[frozen].time < w.time(); ++frozen) {
    const TimedType& e = tail_[frozen];
    if (head_ && !Boundary(*head_, e.time, e.type, gap)) {
      Extend(&*head_, e.time, e.type);
      continue;
    }
    // A head starting at the same time as the new session is shadowed by it (see the header).
    if (head_ && e.time != head_->start) settled_.push_back(*head_);
    head_ = Start(e.time, e.type);
  }
  tail_.erase(tail_.begin(), tail_.begin() + static_cast<ptrdiff_t>(frozen));
  // Every later event is at or after W: after a session_end, or a gap of G before W, the boundary is sure.
  if (head_ && (head_->last_type == EventType::kSessionEnd || w.time() >= head_->end + gap)) {
    settled_.push_back(*head_);
    head_.reset();
  }
}

EventTime UserSessions::NextDue(Watermark w, Duration gap) const {
  EventTime due = EventTime::Min();
  auto consider = [&](EventTime t) {
    if (t > w.time() && (due == EventTime::Min() || t < due)) due = t;
  };
  // A session_end makes its session final once W passes it; a session without one times out G after its
  // last event, which for the sessions in the tail is no earlier than G after the tail's first event.
  for (const TimedType& e : tail_) {
    if (e.type == EventType::kSessionEnd) consider(e.time + Duration::Micros(1));
  }
  if (!tail_.empty()) consider(tail_.front().time + gap);
  if (head_) consider(head_->end + gap);
  for (const Summary& s : settled_) consider(s.end + gap);
  return due;
}

bool UserSessions::HasFinal(Watermark w, Duration gap) const {
  return std::any_of(settled_.begin(), settled_.end(), [&](const Summary& s) { return IsFinal(s, w, gap); });
}

void UserSessions::TakeChanges(std::string_view user_id, Watermark w, Duration gap, Scratch* scratch,
                               Changes* out) {
  Advance(w, gap);

  // The user's sessions that are not final yet, or final and not reported final yet.
  std::vector<Summary>& current = scratch->current;
  current.assign(settled_.begin(), settled_.end());
  const size_t n_settled = current.size();
  std::optional<Summary> open = head_;
  auto close = [&current](const Summary& s) {
    if (!current.empty() && current.back().start == s.start) {
      current.back() = s;  // shadowed: see the header
    } else {
      current.push_back(s);
    }
  };
  for (const TimedType& e : tail_) {
    if (open && !Boundary(*open, e.time, e.type, gap)) {
      Extend(&*open, e.time, e.type);
    } else {
      if (open) close(*open);
      open = Start(e.time, e.type);
    }
  }
  if (open) close(*open);

  std::vector<Summary>& still_open = scratch->still_open;
  still_open.clear();
  size_t n_still_settled = 0;
  size_t r = 0;
  auto remove_reported_before = [&](EventTime start) {
    for (; r < reported_.size() && reported_[r].start < start; ++r) {
      out->removed_sessions.push_back({std::string(user_id), reported_[r].start});
    }
  };
  for (size_t i = 0; i < current.size(); ++i) {
    const Summary& s = current[i];
    // Only settled sessions can be final: the others end at or after W.
    const bool final = i < n_settled && IsFinal(s, w, gap);
    remove_reported_before(s.start);
    const bool was_reported = r < reported_.size() && reported_[r].start == s.start;
    const bool unchanged = was_reported && SameRow(reported_[r], s);
    r += was_reported;
    if (final || !unchanged) out->sessions.push_back(ToRow(user_id, s, final));
    if (!final) {
      still_open.push_back(s);
      if (i < n_settled) settled_[n_still_settled++] = s;
    }
  }
  remove_reported_before(EventTime::FromMicros(std::numeric_limits<int64_t>::max()));
  reported_.assign(still_open.data(), still_open.data() + still_open.size());
  settled_.resize(n_still_settled);
}

bool UserSessions::empty() const { return tail_.empty() && !head_ && settled_.empty() && reported_.empty(); }

void UserSessions::Save(SnapshotWriter* out) const {
  out->Put(static_cast<uint32_t>(tail_.size()));
  for (const TimedType& e : tail_) {
    out->Put(e.time);
    out->Put(e.type);
  }
  SaveOptional(head_, out);
  SaveSummaries(settled_, out);
  SaveSummaries(reported_, out);
  SaveOptional(std::nullopt, out);  // was the latest final session: kept so that snapshots stay version 1
}

Status UserSessions::Load(SnapshotReader* in) {
  uint32_t n = 0;
  CS_RETURN_NOT_OK(in->GetCount(&n, 9));
  tail_.resize(n);
  for (TimedType& e : tail_) {
    CS_RETURN_NOT_OK(in->Get(&e.time));
    CS_RETURN_NOT_OK(in->Get(&e.type));
  }
  CS_RETURN_NOT_OK(LoadOptional(in, &head_));
  CS_RETURN_NOT_OK(LoadSummaries(in, &settled_));
  CS_RETURN_NOT_OK(LoadSummaries(in, &reported_));
  std::optional<Summary> unused;  // the latest final session of older builds
  return LoadOptional(in, &unused);
}

}  // namespace clickstream
