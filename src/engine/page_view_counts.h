// page_view_counts (SPEC.md section 3): accepted page_view events per page_url in tumbling windows
// aligned to the epoch, half-open [start, start + size).
//
// Thread safety: not synchronised. The caller (PartitionEngine) applies the watermark rule: it adds only
// non-late events, so a window whose end is at or before W never changes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "engine/changes.h"
#include "engine/snapshot.h"
#include "engine/string_hash.h"

namespace clickstream {

class PageViewCounts {
 public:
  explicit PageViewCounts(Duration window) : window_(window) {}

  // Counts one page_view at `t`. REQUIRES: t is not late (t >= W).
  void Add(EventTime t, std::string_view page_url);

  // Appends every count changed since the previous call, then each window final at `w` (is_final = true,
  // whether or not it changed) and frees the final windows.
  void TakeChanges(Watermark w, std::vector<PageViewCountRow>* out);

  size_t open_windows() const { return windows_.size(); }

  void Save(SnapshotWriter* out) const;
  [[nodiscard]] Status Load(SnapshotReader* in);

 private:
  struct Count {
    int64_t value = 0;
    bool dirty = false;
  };
  using Counts = std::unordered_map<std::string, Count, StringHash, std::equal_to<>>;
  struct Window {
    Counts counts;
    std::vector<Counts::value_type*> dirty;  // entries changed since TakeChanges, in first-change order
  };

  Duration window_;
  std::map<EventTime, Window> windows_;  // by start; only windows not yet final
  Watermark finalized_at_;               // of the last TakeChanges: Add checks its events are not late
};

}  // namespace clickstream
