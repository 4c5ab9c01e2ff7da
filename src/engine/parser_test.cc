#include "engine/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "common/rfc3339.h"

namespace clickstream {
namespace {

std::string Record(std::string_view time, std::string_view user, std::string_view url,
                   std::string_view type) {
  return std::string(R"({"event_time": )") + std::string(time) + R"(, "user_id": )" + std::string(user) +
         R"(, "page_url": )" + std::string(url) + R"(, "event_type": )" + std::string(type) + "}";
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

const std::string kTime = Quoted("2024-01-28T10:30:00Z");
const std::string kUser = Quoted("user_5");
const std::string kUrl = Quoted("https://example.com/products");
const std::string kType = Quoted("page_view");

TEST(EventParser, AcceptsTheSpecExample) {
  EventParser parser;
  const ParseOutcome outcome = parser.Parse(
      R"({"event_time": "2024-01-28T10:30:00Z", "user_id": "user_5", "page_url": "https://example.com/products", "event_type": "page_view"})");
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event(), (Event{*ParseRfc3339("2024-01-28T10:30:00Z"), "user_5",
                                    "https://example.com/products", EventType::kPageView}));
}

TEST(EventParser, AllEventTypes) {
  EventParser parser;
  for (const EventType type :
       {EventType::kPageView, EventType::kClick, EventType::kSessionStart, EventType::kSessionEnd}) {
    const ParseOutcome outcome = parser.Parse(Record(kTime, kUser, kUrl, Quoted(EventTypeName(type))));
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome.event().event_type, type);
  }
}

TEST(EventParser, IgnoresUnknownFieldsAndFieldOrder) {
  EventParser parser;
  const ParseOutcome outcome = parser.Parse(
      R"( {"extra": {"nested": [1, -2.5e3, true, false, null, "x", {}]}, "event_type": "click",
          "page_url": "u", "user_id": "\u00e9t\u00e9", "event_time": "2026-03-01T10:00:00.5+01:00", "n": 0} )");
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event().user_id, "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(outcome.event().event_time, *ParseRfc3339("2026-03-01T09:00:00.500000Z"));
}

TEST(EventParser, NumbersOutOfDoubleRangeInUnknownFieldsAreValidJson) {
  EventParser parser;
  EXPECT_TRUE(
      parser.Parse(Record(kTime, kUser, kUrl, kType).insert(1, R"("n": )" + std::string(400, '4') + ", "))
          .ok());
  EXPECT_TRUE(parser.Parse(Record(kTime, kUser, kUrl, kType).insert(1, R"("n": 1e999, )")).ok());
}

// SPEC.md section 1: every other top-level member is kept as sent, for the lake and the enriched topic.
TEST(EventParser, KeepsOtherMembersAsSentInTheirOrder) {
  EventParser parser;
  const ParseOutcome outcome = parser.Parse(
      R"({"referrer": "https://search.example/?q=a%20b&x=\"y\"", "event_time": "2024-01-28T10:30:00Z",)"
      R"( "n": 42, "max": 1.7976931348623157e308, "exact": 0.1000000000000000055511151231257827,)"
      R"( "user_id": "user_5", "tiny": 5e-324, "neg": -0.0, "big": 123456789012345678901234567890,)"
      R"( "huge": 1E+999, "t": true, "f": false, "z": null, "page_url": "https://example.com/products",)"
      R"( "text": "caf\u00e9 \ud83d\ude00 \u0000 \/ \t", "utf8": "ça 😀",)"
      R"( "props": { "a" : [ 1 , {"b": []} ] , "c": {} }, "event_type": "page_view", "list": [ ] })");
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event().attributes,
            R"({"referrer":"https://search.example/?q=a%20b&x=\"y\"","n":42,"max":1.7976931348623157e308,)"
            R"("exact":0.1000000000000000055511151231257827,"tiny":5e-324,"neg":-0.0,)"
            R"("big":123456789012345678901234567890,"huge":1E+999,"t":true,"f":false,"z":null,)"
            R"("text":"caf\u00e9 \ud83d\ude00 \u0000 \/ \t","utf8":"ça 😀",)"
            R"("props":{ "a" : [ 1 , {"b": []} ] , "c": {} },"list":[ ]})");
  EXPECT_EQ(outcome.event().user_id, "user_5");
}

TEST(EventParser, NoOtherMembersNoAttributes) {
  EventParser parser;
  ParseOutcome outcome;
  parser.Parse(Record(kTime, kUser, kUrl, kType).insert(1, R"("a": [1], )"), &outcome);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.event().attributes, R"({"a":[1]})");
  // Reused outcome: the next record's members replace the previous ones.
  parser.Parse(Record(kTime, kUser, kUrl, kType), &outcome);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.event().attributes, "");
  parser.Parse(Record(kTime, kUser, kUrl, kType).insert(1, R"("b":{"c":"}"} , )"), &outcome);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.event().attributes, R"({"b":{"c":"}"}})");
}

TEST(EventParser, OtherMembersKeepDuplicatesAndTheirKeysDecoded) {
  EventParser parser;
  const ParseOutcome outcome = parser.Parse(
      Record(kTime, kUser, kUrl, kType)
          .insert(1, R"("a": 1, "caf\u00e9": 2, "a": [3], "q\"\\\u0001\u2028": 4, "": 5, "\u0041": 6, )"));
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event().attributes,
            "{\"a\":1,\"caf\xc3\xa9\":2,\"a\":[3],\"q\\\"\\\\\\u0001\xe2\x80\xa8\":4,\"\":5,\"A\":6}");
}

TEST(EventParser, MembersAfterTheFourFieldsAndAtTheEnd) {
  EventParser parser;
  // The last member a container followed by whitespace; members between the four fields.
  const ParseOutcome outcome = parser.Parse(
      R"({"event_time":"2024-01-28T10:30:00Z","x":"1","user_id":"u","page_url":"/","event_type":"click",)"
      "\n\t\"last\" :\r\n {\"k\": [\"v\", 2.50]} \n}\n");
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event().attributes, R"({"x":"1","last":{"k": ["v", 2.50]}})");
}

TEST(EventParser, UnescapesKeys) {
  EventParser parser;
  const ParseOutcome outcome =
      parser.Parse(Record(kTime, kUser, kUrl, kType).replace(2, 10, R"(event\u005ftime)"));
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
}

TEST(EventParser, LengthLimitsAreInclusive) {
  EventParser parser;
  EXPECT_TRUE(
      parser.Parse(Record(kTime, Quoted(std::string(256, 'u')), Quoted(std::string(2048, 'p')), kType)).ok());
  // Multi-byte characters count in bytes: 128 two-byte characters are 256 bytes.
  std::string two_byte;
  for (int i = 0; i < 128; ++i) two_byte += "\xc3\xa9";
  EXPECT_TRUE(parser.Parse(Record(kTime, Quoted(two_byte), kUrl, kType)).ok());
  EXPECT_FALSE(parser.Parse(Record(kTime, Quoted(two_byte + "x"), kUrl, kType)).ok());
}

TEST(EventParser, FractionDigitsZeroToNine) {
  EventParser parser;
  const EventTime base = *ParseRfc3339("2026-03-01T10:00:00Z");
  std::string fraction;
  const int64_t expected_micros[] = {0,      100000, 120000, 123000, 123400,
                                     123450, 123456, 123456, 123456, 123456};
  for (int digits = 0; digits <= 9; ++digits) {
    const std::string time = "2026-03-01T10:00:00" + (digits ? "." + fraction : "") + "Z";
    const ParseOutcome outcome = parser.Parse(Record(Quoted(time), kUser, kUrl, kType));
    ASSERT_TRUE(outcome.ok()) << time;
    EXPECT_EQ(outcome.event().event_time - base, Duration::Micros(expected_micros[digits])) << time;
    fraction += static_cast<char>('1' + digits);
  }
}

TEST(EventParser, OffsetsNormaliseToUtc) {
  EventParser parser;
  for (const char* time :
       {"2026-03-01T15:30:00+05:30", "2026-03-01T02:00:00-08:00", "2026-03-01T10:00:00z"}) {
    const ParseOutcome outcome = parser.Parse(Record(Quoted(time), kUser, kUrl, kType));
    ASSERT_TRUE(outcome.ok()) << time;
    EXPECT_EQ(FormatRfc3339(outcome.event().event_time), "2026-03-01T10:00:00.000000Z") << time;
  }
}

struct RejectCase {
  std::string name;
  std::string record;
  RejectReason reason;
};

std::vector<RejectCase> RejectCases() {
  return {
      {"not_json", "not json", RejectReason::kInvalidJson},
      {"empty", "", RejectReason::kInvalidJson},
      {"truncated", R"({"event_time": "2024-01-28T10:30:00Z", "user_id": )", RejectReason::kInvalidJson},
      {"trailing_content", Record(kTime, kUser, kUrl, kType) + " x", RejectReason::kInvalidJson},
      {"two_objects", Record(kTime, kUser, kUrl, kType) + Record(kTime, kUser, kUrl, kType),
       RejectReason::kInvalidJson},
      {"bad_unknown_value", Record(kTime, kUser, kUrl, kType).insert(1, R"("x": tru, )"),
       RejectReason::kInvalidJson},
      {"bad_unknown_number", Record(kTime, kUser, kUrl, kType).insert(1, R"("x": 01, )"),
       RejectReason::kInvalidJson},
      {"bad_nested", Record(kTime, kUser, kUrl, kType).insert(1, R"("x": [1,,2], )"),
       RejectReason::kInvalidJson},
      {"bad_escape", Record(kTime, Quoted(R"(a\q)"), kUrl, kType), RejectReason::kInvalidJson},
      {"lone_surrogate", Record(kTime, Quoted(R"(\ud800)"), kUrl, kType), RejectReason::kInvalidUtf8},
      {"array", "[1, 2]", RejectReason::kNotAnObject},
      {"string", "\"text\"", RejectReason::kNotAnObject},
      {"number", "42", RejectReason::kNotAnObject},
      {"null", "null", RejectReason::kNotAnObject},
      {"invalid_utf8_value", Record(kTime, Quoted("us\xff"), kUrl, kType), RejectReason::kInvalidUtf8},
      {"invalid_utf8_unknown_field", Record(kTime, kUser, kUrl, kType).insert(1, "\"\xc3\x28\": 1, "),
       RejectReason::kInvalidUtf8},
      {"overlong_utf8", Record(kTime, Quoted("\xc0\xaf"), kUrl, kType), RejectReason::kInvalidUtf8},
      {"utf8_surrogate", Record(kTime, Quoted("\xed\xa0\x80"), kUrl, kType), RejectReason::kInvalidUtf8},
      {"missing_event_time", R"({"user_id": "u", "page_url": "p", "event_type": "click"})",
       RejectReason::kMissingField},
      {"missing_user_id", R"({"event_time": "2024-01-28T10:30:00Z", "page_url": "p", "event_type": "click"})",
       RejectReason::kMissingField},
      {"empty_object", "{}", RejectReason::kMissingField},
      {"duplicate_user_id", Record(kTime, kUser, kUrl, kType).insert(1, R"("user_id": "other", )"),
       RejectReason::kDuplicateField},
      {"user_id_number", Record(kTime, "5", kUrl, kType), RejectReason::kWrongType},
      {"user_id_null", Record(kTime, "null", kUrl, kType), RejectReason::kWrongType},
      {"page_url_object", Record(kTime, kUser, "{}", kType), RejectReason::kWrongType},
      {"event_time_number", Record("1706437800", kUser, kUrl, kType), RejectReason::kWrongType},
      {"event_type_array", Record(kTime, kUser, kUrl, "[\"click\"]"), RejectReason::kWrongType},
      {"empty_user_id", Record(kTime, Quoted(""), kUrl, kType), RejectReason::kEmptyField},
      {"empty_page_url", Record(kTime, kUser, Quoted(""), kType), RejectReason::kEmptyField},
      {"user_id_257_bytes", Record(kTime, Quoted(std::string(257, 'u')), kUrl, kType),
       RejectReason::kFieldTooLong},
      {"page_url_2049_bytes", Record(kTime, kUser, Quoted(std::string(2049, 'p')), kType),
       RejectReason::kFieldTooLong},
      {"ten_fraction_digits", Record(Quoted("2026-03-01T10:00:00.1234567890Z"), kUser, kUrl, kType),
       RejectReason::kInvalidEventTime},
      {"empty_fraction", Record(Quoted("2026-03-01T10:00:00.Z"), kUser, kUrl, kType),
       RejectReason::kInvalidEventTime},
      {"february_30", Record(Quoted("2026-02-30T10:00:00Z"), kUser, kUrl, kType),
       RejectReason::kInvalidEventTime},
      {"hour_25", Record(Quoted("2026-03-01T25:00:00Z"), kUser, kUrl, kType),
       RejectReason::kInvalidEventTime},
      {"no_offset", Record(Quoted("2026-03-01T10:00:00"), kUser, kUrl, kType),
       RejectReason::kInvalidEventTime},
      {"offset_without_colon", Record(Quoted("2026-03-01T10:00:00+0530"), kUser, kUrl, kType),
       RejectReason::kInvalidEventTime},
      {"date_only", Record(Quoted("2026-03-01"), kUser, kUrl, kType), RejectReason::kInvalidEventTime},
      {"empty_event_time", Record(Quoted(""), kUser, kUrl, kType), RejectReason::kEmptyField},
      {"unknown_event_type", Record(kTime, kUser, kUrl, Quoted("purchase")), RejectReason::kUnknownEventType},
      {"event_type_case", Record(kTime, kUser, kUrl, Quoted("Page_View")), RejectReason::kUnknownEventType},
  };
}

class RejectTest : public testing::TestWithParam<RejectCase> {};

TEST_P(RejectTest, RejectsWithReason) {
  EventParser parser;
  const ParseOutcome outcome = parser.Parse(GetParam().record);
  ASSERT_FALSE(outcome.ok()) << GetParam().record;
  EXPECT_EQ(RejectReasonName(outcome.rejection().reason), RejectReasonName(GetParam().reason))
      << outcome.rejection().detail;
  EXPECT_FALSE(outcome.rejection().detail.empty());
  // The parser is reusable after a rejection.
  EXPECT_TRUE(parser.Parse(Record(kTime, kUser, kUrl, kType)).ok());
}

INSTANTIATE_TEST_SUITE_P(AllReasons, RejectTest, testing::ValuesIn(RejectCases()),
                         [](const testing::TestParamInfo<RejectCase>& info) { return info.param.name; });

TEST(EventParser, DetailNamesTheField) {
  EventParser parser;
  EXPECT_EQ(parser.Parse(Record(kTime, kUser, Quoted(""), kType)).rejection().detail, "page_url: empty");
}

TEST(RejectReasonName, StableCodes) {
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidJson), "invalid_json");
  EXPECT_EQ(RejectReasonName(RejectReason::kNotAnObject), "not_an_object");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidUtf8), "invalid_utf8");
  EXPECT_EQ(RejectReasonName(RejectReason::kMissingField), "missing_field");
  EXPECT_EQ(RejectReasonName(RejectReason::kDuplicateField), "duplicate_field");
  EXPECT_EQ(RejectReasonName(RejectReason::kWrongType), "wrong_type");
  EXPECT_EQ(RejectReasonName(RejectReason::kEmptyField), "empty_field");
  EXPECT_EQ(RejectReasonName(RejectReason::kFieldTooLong), "field_too_long");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidEventTime), "invalid_event_time");
  EXPECT_EQ(RejectReasonName(RejectReason::kUnknownEventType), "unknown_event_type");
}

}  // namespace
}  // namespace clickstream
