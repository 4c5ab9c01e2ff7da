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

TEST(EnrichedRecordJson, OtherMembersAsSentBeforeProcessingTime) {
  Event event{EventTime::FromMicros(60'000'000), "u", "/a", EventType::kPageView};
  event.attributes = R"({"n":0.1000000000000000055511151231257827,"o":{ "is_late": 1 },"s":"\"is_late\":"})";
  std::string out;
  EnrichedRecordJson(event, EventTime::FromMicros(61'500'000), /*is_late=*/false, &out);
  EXPECT_EQ(
      out,
      R"({"event_time":"1970-01-01T00:01:00.000000Z","user_id":"u","page_url":"/a","event_type":"page_view",)"
      R"("n":0.1000000000000000055511151231257827,"o":{ "is_late": 1 },"s":"\"is_late\":",)"
      R"("processing_time":"1970-01-01T00:01:01.500000Z","is_late":false})");
}

// The record's own members of those names would make the names appear twice: the enriched record
// carries the pipeline's (the lake keeps the record's).
TEST(EnrichedRecordJson, MembersNamedLikeTheAddedOnesAreLeftOut) {
  Event event{EventTime::FromMicros(0), "u", "/a", EventType::kClick};
  event.attributes = R"({"is_late":"no","a":[1,{"b":"}"}],"processing_time":{"x":","},"c":"\\"})";
  std::string out;
  EnrichedRecordJson(event, EventTime::FromMicros(1), /*is_late=*/true, &out);
  EXPECT_EQ(
      out,
      R"({"event_time":"1970-01-01T00:00:00.000000Z","user_id":"u","page_url":"/a","event_type":"click",)"
      R"("a":[1,{"b":"}"}],"c":"\\","processing_time":"1970-01-01T00:00:00.000001Z","is_late":true})");
  event.attributes = R"({"is_late":true})";
  EnrichedRecordJson(event, EventTime::FromMicros(1), /*is_late=*/false, &out);
  EXPECT_EQ(out.find("\"is_late\":true"), std::string::npos) << out;
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
