#include "format/event_avro.h"

#include <gtest/gtest.h>

#include "common/rfc3339.h"
#include "engine/avro_parser.h"
#include "engine/avro_test_util.h"

namespace clickstream {
namespace {

// What the producer writes is what the pipeline reads, byte for byte as the Avro specification says.
TEST(EventAvroWriter, WritesWhatTheDecoderReads) {
  auto writer = EventAvroWriter::Create(7);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  auto decoder = AvroRecordDecoder::Create(kEventAvroSchema);
  ASSERT_TRUE(decoder.ok()) << decoder.status().message();
  const Event event{*ParseRfc3339("2026-03-01T10:00:00.123456Z"), "user_42", "https://example.com/é",
                    EventType::kSessionStart};
  std::string record;
  (*writer)->Append(event, &record);
  EXPECT_EQ(record,
            testing_util::AvroRecord(7, testing_util::ClickV1(event.event_time.micros(), event.user_id,
                                                              event.page_url, "session_start")));
  const auto frame = ReadAvroFrame(record);
  ASSERT_TRUE(std::holds_alternative<AvroFrame>(frame));
  const ParseOutcome outcome = (*decoder)->Decode(std::get<AvroFrame>(frame).body);
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event(), event);
  // Appends: a second record follows the first.
  (*writer)->Append(event, &record);
  EXPECT_EQ(record.substr(record.size() / 2), record.substr(0, record.size() / 2));
}

}  // namespace
}  // namespace clickstream
