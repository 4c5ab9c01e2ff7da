#include "format/enriched_record.h"

#include "common/json_writer.h"
#include "format/event_json.h"

namespace clickstream {

void EnrichedRecordJson(const Event& event, EventTime processing_time, bool is_late, std::string* out) {
  out->clear();
  JsonWriter w(out);
  w.Begin();
  WriteEventFields(event, &w);
  w.Field("processing_time", processing_time);
  w.Field("is_late", is_late);
  w.End();
}

std::vector<std::pair<std::string, std::string>> DeadLetterHeaders(const Rejection& rejection,
                                                                   const DeadLetterOrigin& source) {
  return {{"reason", std::string(RejectReasonName(rejection.reason))},
          {"detail", rejection.detail},
          {"source_topic", std::string(source.topic)},
          {"source_partition", std::to_string(source.partition.id())},
          {"source_offset", std::to_string(source.offset.value())}};
}

}  // namespace clickstream
