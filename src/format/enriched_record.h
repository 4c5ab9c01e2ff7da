// The records the service writes besides results (SPEC.md section 1 and the enriched topic): the
// enriched event, and the headers a dead letter adds to the rejected record it copies unchanged.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/types.h"
#include "engine/event.h"
#include "engine/parser.h"

namespace clickstream {

// Replaces `out` with the value of the event's enriched_activity record (keyed by user_id): its four
// fields, then its other members as sent (Event::attributes), then "processing_time" (when the service
// read it) and "is_late". A member of the record named "processing_time" or "is_late" is left out, so
// that each name appears once (the lake keeps it).
void EnrichedRecordJson(const Event& event, EventTime processing_time, bool is_late, std::string* out);

// Where a rejected record was read.
struct DeadLetterOrigin {
  std::string_view topic;
  Partition partition;
  Offset offset;
};

// (name, value) headers a dead letter adds to the original record's own: why it was rejected and where
// it came from.
std::vector<std::pair<std::string, std::string>> DeadLetterHeaders(const Rejection& rejection,
                                                                   const DeadLetterOrigin& source);

}  // namespace clickstream
