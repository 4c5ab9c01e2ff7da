#include "format/enriched_record.h"

#include <gtest/gtest.h>

namespace clickstream {
namespace {

TEST(EnrichedRecordJson, EventFieldsThenProcessingTimeAndLateness) {
  const Event event{EventTime::FromMicros(60'000'000), "u\"1", "/a", EventType::kClick};
  std::string out = "left over";
  EnrichedRecordJson(event, EventTime::FromMicros(61'500'000), /*is_late=*/true, &out);
  EXPECT_EQ(
      out,
      R"({"event_time":"1970-01-01T00:01:00.000000Z","user_id":"u\"1","page_url":"/a","event_type":"click",)"
      R"("processing_time":"1970-01-01T00:01:01.500000Z","is_late":true})");
}

TEST(DeadLetterHeaders, ReasonDetailAndOrigin) {
  const auto headers = DeadLetterHeaders(RejectField(RejectReason::kMissingField, "user_id", "missing"),
                                         {"user_activity", Partition(3), Offset(42)});
  const std::vector<std::pair<std::string, std::string>> expected = {{"reason", "missing_field"},
                                                                     {"detail", "user_id: missing"},
                                                                     {"source_topic", "user_activity"},
                                                                     {"source_partition", "3"},
                                                                     {"source_offset", "42"}};
  EXPECT_EQ(headers, expected);
}

}  // namespace
}  // namespace clickstream
