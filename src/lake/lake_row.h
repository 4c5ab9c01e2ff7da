// One row of the lake: an accepted (possibly late) event and where and when the pipeline read it.
#pragma once

#include <string_view>

#include "common/types.h"
#include "engine/event.h"

namespace clickstream {

struct LakeRow {
  EventTime event_time;
  std::string_view user_id;   // borrowed: copied by LakeWriter::Append
  std::string_view page_url;  // borrowed: copied by LakeWriter::Append
  EventType event_type = EventType::kPageView;
  bool is_late = false;
  EventTime processing_time;  // when the pipeline read the record (UTC)
  std::string_view attributes{};  // Event::attributes, borrowed: copied by LakeWriter::Append

  static LakeRow Of(const Event& e, bool is_late, EventTime processing_time) {
    return {e.event_time, e.user_id, e.page_url, e.event_type, is_late, processing_time, e.attributes};
  }
};

}  // namespace clickstream
