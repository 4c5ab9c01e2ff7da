#include "engine/avro_parser.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "common/rfc3339.h"
#include "engine/avro_test_util.h"

namespace clickstream {
namespace {

using testing_util::AvroLong;
using testing_util::AvroString;
using testing_util::ClickV1;
using testing_util::kClickSchemaV1;

const EventTime kTime = *ParseRfc3339("2024-01-28T10:30:00Z");
const Event kEvent{kTime, "user_5", "https://example.com/products", EventType::kPageView};

std::unique_ptr<AvroRecordDecoder> Decoder(std::string_view schema) {
  auto decoder = AvroRecordDecoder::Create(schema);
  EXPECT_TRUE(decoder.ok()) << decoder.status().message();
  return decoder.ok() ? std::move(*decoder) : nullptr;
}

std::string ReasonOf(const ParseOutcome& outcome) {
  return outcome.ok() ? "accepted" : std::string(RejectReasonName(outcome.rejection().reason));
}

// A schema with the four fields as given (JSON type texts), in that order.
std::string Schema(std::string_view time_type, std::string_view user_type = R"("string")",
                   std::string_view url_type = R"("string")", std::string_view type_type = R"("string")") {
  return std::string(R"({"type":"record","name":"E","fields":[{"name":"event_time","type":)") +
         std::string(time_type) + R"(},{"name":"user_id","type":)" + std::string(user_type) +
         R"(},{"name":"page_url","type":)" + std::string(url_type) + R"(},{"name":"event_type","type":)" +
         std::string(type_type) + "}]}";
}

TEST(AvroFrame, ReadsTheConfluentWireFormat) {
  const std::string record = testing_util::AvroRecord(0x01020304, "body");
  const auto frame = ReadAvroFrame(record);
  ASSERT_TRUE(std::holds_alternative<AvroFrame>(frame));
  EXPECT_EQ(std::get<AvroFrame>(frame).schema_id, 0x01020304u);
  EXPECT_EQ(std::get<AvroFrame>(frame).body, "body");
  EXPECT_EQ(record.substr(0, 5), std::string("\0\1\2\3\4", 5));
}

TEST(AvroFrame, RejectsWhatIsNotTheWireFormat) {
  for (const std::string& record : {std::string(), std::string("\0\0\0\1", 4), std::string("\1\0\0\0\1x", 6),
                                    std::string(R"({"event_time":"x"})")}) {
    const auto frame = ReadAvroFrame(record);
    ASSERT_TRUE(std::holds_alternative<Rejection>(frame)) << record;
    EXPECT_EQ(std::get<Rejection>(frame).reason, RejectReason::kInvalidWireFormat);
  }
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidWireFormat), "invalid_wire_format");
  EXPECT_EQ(RejectReasonName(RejectReason::kUnknownSchemaId), "unknown_schema_id");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidAvro), "invalid_avro");
}

TEST(AvroRecordDecoder, DecodesWhatTheJsonParserParses) {
  auto decoder = Decoder(kClickSchemaV1);
  const ParseOutcome avro =
      decoder->Decode(ClickV1(kTime.micros(), kEvent.user_id, kEvent.page_url, "page_view"));
  ASSERT_TRUE(avro.ok()) << avro.rejection().detail;
  EventParser parser;
  const ParseOutcome json = parser.Parse(
      R"({"event_time": "2024-01-28T10:30:00Z", "user_id": "user_5", "page_url": "https://example.com/products", "event_type": "page_view"})");
  EXPECT_EQ(avro.event(), json.event());
  // The decoder is reused record after record.
  const ParseOutcome second = decoder->Decode(ClickV1(kTime.micros() + 1, "u2", "/x", "click"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.event(), (Event{kTime + Duration::Micros(1), "u2", "/x", EventType::kClick}));
}

TEST(AvroRecordDecoder, EventTimeAsMillisMicrosOrText) {
  auto millis = Decoder(Schema(R"({"type":"long","logicalType":"timestamp-millis"})"));
  std::string body;
  AvroLong(kTime.micros() / 1000 + 5, &body);
  for (std::string_view s : {"user_5", "https://example.com/products", "page_view"}) AvroString(s, &body);
  ParseOutcome outcome = millis->Decode(body);
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event().event_time, kTime + Duration::Micros(5000));

  auto text = Decoder(Schema(R"("string")"));
  body.clear();
  for (std::string_view s :
       {"2024-01-28T11:30:00+01:00", "user_5", "https://example.com/products", "page_view"})
    AvroString(s, &body);
  outcome = text->Decode(body);
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event(), kEvent);
}

// Schema evolution: fields added (with defaults), reordered, of any type, change nothing.
TEST(AvroRecordDecoder, ReadsTheFourFieldsByNameWhateverElseTheSchemaHolds) {
  auto decoder = Decoder(R"({"type":"record","name":"Click","fields":[
      {"name":"session","type":{"type":"record","name":"S","fields":[{"name":"id","type":"long"}]}},
      {"name":"event_type","type":{"type":"enum","name":"T","symbols":["page_view","click","session_start","session_end"]}},
      {"name":"tags","type":{"type":"array","items":"string"}},
      {"name":"page_url","type":"string"},
      {"name":"attrs","type":{"type":"map","values":"double"}},
      {"name":"user_id","type":["null","string"],"default":null},
      {"name":"event_time","type":{"type":"long","logicalType":"timestamp-micros"}},
      {"name":"next","type":["null","S"],"default":null},
      {"name":"referrer","type":"string","default":""}]})");
  std::string body;
  AvroLong(42, &body);  // session.id
  AvroLong(1, &body);   // event_type: click
  AvroLong(2, &body);   // tags: a block of two
  AvroString("a", &body);
  AvroString("b", &body);
  AvroLong(0, &body);  // end of tags
  AvroString("https://example.com/products", &body);
  AvroLong(1, &body);  // attrs: one entry
  AvroString("k", &body);
  body.append(8, '\0');  // 0.0
  AvroLong(0, &body);    // end of attrs
  AvroLong(1, &body);    // user_id: the string branch
  AvroString("user_5", &body);
  AvroLong(kTime.micros(), &body);
  AvroLong(1, &body);  // next: an S
  AvroLong(7, &body);
  AvroString("https://ref.example", &body);
  const ParseOutcome outcome = decoder->Decode(body);
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  Event expected{kTime, "user_5", "https://example.com/products", EventType::kClick};
  // The other fields in the writer schema's order, in Avro's JSON encoding.
  expected.attributes = R"({"session":{"id":42},"tags":["a","b"],"attrs":{"k":0},"next":{"S":{"id":7}},)"
                        R"("referrer":"https://ref.example"})";
  EXPECT_EQ(outcome.event(), expected);
}

// The other fields of every Avro type, in the JSON encoding of the Avro specification: unions as null or
// {"<type>": value} (a named type by its full name), bytes and fixed as one code point per byte, floats
// and doubles as the shortest text that reads back the same (NaN and infinities as strings).
TEST(AvroRecordDecoder, OtherFieldsInTheJsonEncoding) {
  auto decoder = Decoder(R"({"type":"record","name":"E","namespace":"ns","fields":[
      {"name":"event_time","type":"string"},{"name":"user_id","type":"string"},
      {"name":"page_url","type":"string"},{"name":"event_type","type":"string"},
      {"name":"b","type":"boolean"},{"name":"i","type":"int"},{"name":"l","type":"long"},
      {"name":"f","type":"float"},{"name":"d","type":"double"},{"name":"nan","type":"double"},
      {"name":"inf","type":["null","float"]},{"name":"bytes","type":"bytes"},
      {"name":"fixed","type":{"type":"fixed","name":"F","size":3}},
      {"name":"e","type":{"type":"enum","name":"Color","namespace":"other","symbols":["RED","GREEN"]}},
      {"name":"u","type":["null","string","other.Color",{"type":"array","items":"long"},
                          {"type":"map","values":"string"}]},
      {"name":"u2","type":["null","string"]},{"name":"s","type":"string"}]})");
  std::string body;
  for (std::string_view s : {"2024-01-28T10:30:00Z", "user_5", "https://example.com/products", "page_view"})
    AvroString(s, &body);
  body.push_back(1);                         // b: true
  AvroLong(-2147483648LL, &body);            // i
  AvroLong(INT64_MAX, &body);                // l
  const float f = 0.1f;
  body.append(reinterpret_cast<const char*>(&f), 4);
  const double d = 1.7976931348623157e308;
  body.append(reinterpret_cast<const char*>(&d), 8);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  body.append(reinterpret_cast<const char*>(&nan), 8);
  AvroLong(1, &body);  // inf: the float branch
  const float inf = -std::numeric_limits<float>::infinity();
  body.append(reinterpret_cast<const char*>(&inf), 4);
  AvroString(std::string("\0\x7f\x80\xff\"", 5), &body);  // bytes
  body.append("a\xe9\n");                                   // fixed
  AvroLong(1, &body);                                       // e: GREEN
  const size_t u = body.size();                             // where u starts
  AvroLong(2, &body);                                       // u: the Color branch
  AvroLong(0, &body);                                       // RED
  AvroLong(0, &body);                                       // u2: null
  AvroString("caf\xc3\xa9 \xf0\x9f\x98\x80 \"\\", &body);   // s
  ParseOutcome outcome = decoder->Decode(body);
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_EQ(outcome.event().attributes,
            R"({"b":true,"i":-2147483648,"l":9223372036854775807,"f":0.1,"d":1.7976931348623157e+308,)"
            R"("nan":"NaN","inf":{"float":"-Infinity"},"bytes":"\u0000)"
            "\x7f\xc2\x80\xc3\xbf"
            R"(\"","fixed":"a)"
            "\xc3\xa9"
            R"(\n","e":"GREEN","u":{"other.Color":"RED"},"u2":null,"s":"caf)"
            "\xc3\xa9 \xf0\x9f\x98\x80"
            R"( \"\\"})");
  // The other branches of u.
  std::string array_branch = body.substr(0, u);
  AvroLong(3, &array_branch);
  AvroLong(2, &array_branch);
  AvroLong(-1, &array_branch);
  AvroLong(1, &array_branch);
  AvroLong(0, &array_branch);
  AvroLong(1, &array_branch);  // u2: a string
  AvroString("x", &array_branch);
  AvroString("", &array_branch);
  outcome = decoder->Decode(array_branch);
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_NE(outcome.event().attributes.find(R"("u":{"array":[-1,1]},"u2":{"string":"x"},"s":""})"),
            std::string::npos)
      << outcome.event().attributes;
  // u a map of one entry, u2 null, s "".
  auto with_map = [&](std::string_view key) {
    std::string out = body.substr(0, u);
    AvroLong(4, &out);
    AvroLong(1, &out);
    AvroString(key, &out);
    AvroString("v", &out);
    AvroLong(0, &out);
    AvroLong(0, &out);
    AvroString("", &out);
    return out;
  };
  const std::string map_branch = with_map("k\"");
  outcome = decoder->Decode(map_branch);
  ASSERT_TRUE(outcome.ok()) << outcome.rejection().detail;
  EXPECT_NE(outcome.event().attributes.find(R"("u":{"map":{"k\"":"v"}},"u2":null,"s":""})"),
            std::string::npos)
      << outcome.event().attributes;
  // A string or map key that is not UTF-8 is refused as in the four fields.
  std::string bad = map_branch.substr(0, map_branch.size() - 1);
  AvroString("\xff", &bad);
  EXPECT_EQ(ReasonOf(decoder->Decode(bad)), "invalid_utf8");
  EXPECT_EQ(ReasonOf(decoder->Decode(with_map("\xc3"))), "invalid_utf8");
  // An enum index out of range is invalid Avro.
  std::string bad_enum = body.substr(0, u - 1);
  AvroLong(2, &bad_enum);
  EXPECT_EQ(ReasonOf(decoder->Decode(bad_enum + body.substr(u))), "invalid_avro");
}

TEST(AvroRecordDecoder, MissingOrMistypedFields) {
  // Missing from the schema.
  auto no_url = Decoder(
      R"({"type":"record","name":"E","fields":[{"name":"event_time","type":"string"},{"name":"user_id","type":"string"},{"name":"event_type","type":"string"}]})");
  std::string body;
  for (std::string_view s : {"2024-01-28T10:30:00Z", "u", "page_view"}) AvroString(s, &body);
  ParseOutcome outcome = no_url->Decode(body);
  EXPECT_EQ(ReasonOf(outcome), "missing_field");
  EXPECT_EQ(outcome.rejection().detail, "page_url: missing");

  // A null branch.
  auto nullable = Decoder(Schema(R"("string")", R"(["null","string"])"));
  body.clear();
  AvroString("2024-01-28T10:30:00Z", &body);
  AvroLong(0, &body);
  AvroString("/", &body);
  AvroString("click", &body);
  outcome = nullable->Decode(body);
  EXPECT_EQ(ReasonOf(outcome), "missing_field");
  EXPECT_EQ(outcome.rejection().detail, "user_id: null");

  // Not a string.
  auto int_user = Decoder(Schema(R"("string")", R"("int")"));
  body.clear();
  AvroString("2024-01-28T10:30:00Z", &body);
  AvroLong(5, &body);
  AvroString("/", &body);
  AvroString("click", &body);
  EXPECT_EQ(ReasonOf(int_user->Decode(body)), "wrong_type");

  // A long that does not say it is a timestamp.
  auto plain_long = Decoder(Schema(R"("long")"));
  EXPECT_EQ(ReasonOf(plain_long->Decode(ClickV1(kTime.micros(), "u", "/", "click"))), "wrong_type");
  auto bytes_time = Decoder(Schema(R"("bytes")"));
  body.clear();
  for (std::string_view s : {"2024-01-28T10:30:00Z", "u", "/", "click"}) AvroString(s, &body);
  EXPECT_EQ(ReasonOf(bytes_time->Decode(body)), "wrong_type");
}

TEST(AvroRecordDecoder, DataThatDoesNotDecode) {
  auto decoder = Decoder(kClickSchemaV1);
  const std::string good = ClickV1(kTime.micros(), "u", "/", "click");
  EXPECT_EQ(ReasonOf(decoder->Decode(good)), "accepted");
  EXPECT_EQ(ReasonOf(decoder->Decode(good.substr(0, good.size() - 1))), "invalid_avro");  // truncated
  EXPECT_EQ(ReasonOf(decoder->Decode(good + "x")), "invalid_avro");                       // trailing bytes
  EXPECT_EQ(ReasonOf(decoder->Decode("")), "invalid_avro");
  // Strings declaring more bytes than the record holds, or a negative length.
  for (const int64_t length : {int64_t{1} << 40, int64_t{1} << 30, int64_t{-5}, INT64_MAX}) {
    std::string body;
    AvroLong(kTime.micros(), &body);
    AvroLong(length, &body);
    body += "abc";
    EXPECT_EQ(ReasonOf(decoder->Decode(body)), "invalid_avro") << length;
  }
  // A varint longer than ten bytes.
  EXPECT_EQ(ReasonOf(decoder->Decode(std::string(12, '\xff'))), "invalid_avro");
  // A union branch that does not exist.
  auto nullable = Decoder(Schema(R"("string")", R"(["null","string"])"));
  std::string body;
  AvroString("2024-01-28T10:30:00Z", &body);
  AvroLong(7, &body);
  AvroString("u", &body);
  AvroString("/", &body);
  AvroString("click", &body);
  EXPECT_EQ(ReasonOf(nullable->Decode(body)), "invalid_avro");
  // An enum index beyond its symbols.
  auto with_enum = Decoder(Schema(R"("string")", R"("string")", R"("string")",
                                  R"({"type":"enum","name":"T","symbols":["page_view","click"]})"));
  for (const int64_t symbol : {1, 2, -1}) {
    body.clear();
    for (std::string_view s : {"2024-01-28T10:30:00Z", "u", "/"}) AvroString(s, &body);
    AvroLong(symbol, &body);
    EXPECT_EQ(ReasonOf(with_enum->Decode(body)), symbol == 1 ? "accepted" : "invalid_avro") << symbol;
  }
  // And it still decodes the next good record.
  EXPECT_EQ(ReasonOf(decoder->Decode(good)), "accepted");
}

// SPEC.md section 1's rules hold as for JSON.
TEST(AvroRecordDecoder, HostileValues) {
  auto decoder = Decoder(kClickSchemaV1);
  auto reason = [&](int64_t t, std::string_view user, std::string_view url, std::string_view type) {
    return ReasonOf(decoder->Decode(ClickV1(t, user, url, type)));
  };
  const int64_t t = kTime.micros();
  EXPECT_EQ(reason(t, std::string("a\0b", 3), "/", "click"), "control_character");
  EXPECT_EQ(reason(t, "u", "/\x7f", "click"), "control_character");
  EXPECT_EQ(reason(t, "u\xff", "/", "click"), "invalid_utf8");
  EXPECT_EQ(reason(t, "u", "/", "cl\xc3"), "invalid_utf8");
  EXPECT_EQ(reason(t, std::string(257, 'u'), "/", "click"), "field_too_long");
  EXPECT_EQ(reason(t, std::string(256, 'u'), std::string(2048, '/'), "click"), "accepted");
  EXPECT_EQ(reason(t, "u", std::string(2049, '/'), "click"), "field_too_long");
  EXPECT_EQ(reason(t, "", "/", "click"), "empty_field");
  EXPECT_EQ(reason(t, "u", "/", "Click"), "unknown_event_type");
  EXPECT_EQ(reason(kLatestTime.micros(), "u", "/", "click"), "accepted");
  EXPECT_EQ(reason(kEarliestTime.micros(), "u", "/", "click"), "accepted");
  EXPECT_EQ(reason(kLatestTime.micros() + 1, "u", "/", "click"), "invalid_event_time");
  EXPECT_EQ(reason(kEarliestTime.micros() - 1, "u", "/", "click"), "invalid_event_time");
  EXPECT_EQ(reason(INT64_MIN, "u", "/", "click"), "invalid_event_time");

  auto millis = Decoder(Schema(R"({"type":"long","logicalType":"timestamp-millis"})"));
  for (const int64_t ms : {INT64_MAX, INT64_MIN, kLatestTime.micros() / 1000 + 1}) {
    EXPECT_EQ(ReasonOf(millis->Decode(ClickV1(ms, "u", "/", "click"))), "invalid_event_time") << ms;
  }
  auto text = Decoder(Schema(R"("string")"));
  std::string body;
  for (std::string_view s : {"2024-01-28 10:30:00", "u", "/", "click"}) AvroString(s, &body);
  EXPECT_EQ(ReasonOf(text->Decode(body)), "invalid_event_time");

  // The future limit is the pipeline's, on the decoded event as for JSON.
  const ParseOutcome outcome = decoder->Decode(ClickV1(t, "u", "/", "click"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(
      CheckFutureEventTime(outcome.event().event_time, t / 1000 - 86'401'000, Duration::Seconds(86400)));
}

TEST(AvroRecordDecoder, RefusesSchemasItCannotDecodeSafely) {
  auto refused = [](std::string_view schema) {
    const auto decoder = AvroRecordDecoder::Create(schema);
    EXPECT_FALSE(decoder.ok()) << schema;
    return decoder.ok() ? std::string() : decoder.status().message();
  };
  EXPECT_NE(refused("not json").find("not an Avro schema"), std::string::npos);
  EXPECT_NE(refused(R"("string")").find("not a record"), std::string::npos);
  EXPECT_NE(refused(R"({"type":"record","name":"L","fields":[{"name":"event_time","type":"string"},
                       {"name":"next","type":["null","L"]}]})")
                .find("recursive type L"),
            std::string::npos);
  EXPECT_NE(
      refused(
          R"({"type":"record","name":"E","fields":[{"name":"n","type":{"type":"array","items":"null"}}]})")
          .find("array of items that take no bytes"),
      std::string::npos);
  std::string deep = R"("string")";
  for (int i = 0; i < kMaxDepth; ++i) deep = R"({"type":"array","items":)" + deep + "}";
  EXPECT_NE(refused(R"({"type":"record","name":"E","fields":[{"name":"deep","type":)" + deep + "}]}")
                .find("nested deeper than 64"),
            std::string::npos);
  // A named type used twice is not recursion.
  EXPECT_TRUE(AvroRecordDecoder::Create(R"({"type":"record","name":"E","fields":[
      {"name":"a","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}},
      {"name":"b","type":"P"}]})")
                  .ok());
}

}  // namespace
}  // namespace clickstream
