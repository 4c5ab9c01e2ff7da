#include "engine/page_view_counts.h"

#include "common/check.h"
#include "engine/window.h"

namespace clickstream {

void PageViewCounts::Add(EventTime t, std::string_view page_url) {
  CS_DCHECK(!finalized_at_.IsLate(t)) << "a late page view counted";
  Window& window = windows_[WindowStart(t, window_)];
  auto it = window.counts.find(page_url);
  if (it == window.counts.end()) it = window.counts.emplace(std::string(page_url), Count{}).first;
  ++it->second.value;
  if (!it->second.dirty) {
    it->second.dirty = true;
    window.dirty.push_back(&*it);
  }
}

void PageViewCounts::TakeChanges(Watermark w, std::vector<PageViewCountRow>* out) {
  finalized_at_ = w;
  for (auto it = windows_.begin(); it != windows_.end();) {
    const EventTime start = it->first;
    const EventTime end = start + window_;
    Window& window = it->second;
    if (WindowIsFinal(end, w)) {
      // Final: every page of the window once more, in a stable order (by page_url).
      std::map<std::string_view, int64_t> sorted;
      for (const auto& [url, count] : window.counts) sorted.emplace(url, count.value);
      for (const auto& [url, count] : sorted) out->push_back({start, end, std::string(url), count, true});
      it = windows_.erase(it);
      continue;
    }
    for (Counts::value_type* entry : window.dirty) {
      out->push_back({start, end, entry->first, entry->second.value, false});
      entry->second.dirty = false;
    }
    window.dirty.clear();
    ++it;
  }
}

void PageViewCounts::Save(SnapshotWriter* out) const {
  out->Put(static_cast<uint32_t>(windows_.size()));
  for (const auto& [start, window] : windows_) {
    out->Put(start);
    out->Put(static_cast<uint32_t>(window.dirty.size()));
    for (const Counts::value_type* entry : window.dirty) {
      out->Put(entry->first);
      out->Put(entry->second.value);
    }
    out->Put(static_cast<uint32_t>(window.counts.size() - window.dirty.size()));
    for (const auto& [url, count] : window.counts) {
      if (count.dirty) continue;
      out->Put(url);
      out->Put(count.value);
    }
  }
}

Status PageViewCounts::Load(SnapshotReader* in) {
  windows_.clear();
  uint32_t n_windows = 0;
  CS_RETURN_NOT_OK(in->GetCount(&n_windows, 16));
  for (uint32_t i = 0; i < n_windows; ++i) {
    EventTime start;
    CS_RETURN_NOT_OK(in->Get(&start));
    Window& window = windows_[start];
    for (bool dirty : {true, false}) {
      uint32_t n = 0;
      CS_RETURN_NOT_OK(in->GetCount(&n, 12));
      for (uint32_t j = 0; j < n; ++j) {
        std::string url;
        Count count{0, dirty};
        CS_RETURN_NOT_OK(in->Get(&url));
        CS_RETURN_NOT_OK(in->Get(&count.value));
        auto [it, inserted] = window.counts.emplace(std::move(url), count);
        if (!inserted) return SnapshotReader::Corrupt("duplicate page_url in a window");
        if (dirty) window.dirty.push_back(&*it);
      }
    }
  }
  return Status::OK();
}

}  // namespace clickstream
