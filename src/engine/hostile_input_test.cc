// Records built to hurt (SPEC.md section 1, hostile input): each is rejected with a reason of its own and
// never crashes the parser or reaches a result.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "common/rfc3339.h"
#include "engine/parser.h"

namespace clickstream {
namespace {

// A valid record with `extra` inserted as its first member and the four fields given as JSON text.
std::string Record(std::string_view extra = "", std::string_view user = R"("user_5")",
                   std::string_view url = R"("https://example.com/products")",
                   std::string_view time = R"("2026-03-01T10:00:00Z")") {
  std::string r = "{";
  if (!extra.empty()) r += std::string(extra) + ", ";
  r += R"("event_time": )" + std::string(time) + R"(, "user_id": )" + std::string(user) +
       R"(, "page_url": )" + std::string(url) + R"(, "event_type": "page_view"})";
  return r;
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// `levels` arrays nested in one another, e.g. [[[]]] for 3.
std::string NestedArrays(size_t levels) { return Repeat("[", levels) + Repeat("]", levels); }
// `levels` objects nested in one another, e.g. {"a":{"a":{}}} for 3.
std::string NestedObjects(size_t levels) {
  return Repeat(R"({"a":)", levels - 1) + "{}" + Repeat("}", levels - 1);
}

class HostileInput : public testing::Test {
 protected:
  // The rejection reason's name, or "accepted".
  std::string Verdict(std::string_view record) {
    const ParseOutcome outcome = parser_.Parse(record);
    return outcome.ok() ? "accepted" : std::string(RejectReasonName(outcome.rejection().reason));
  }
  std::string Detail(std::string_view record) { return parser_.Parse(record).rejection().detail; }

  EventParser parser_;
};

TEST_F(HostileInput, ReasonNamesAreStable) {
  EXPECT_EQ(RejectReasonName(RejectReason::kControlCharacter), "control_character");
  EXPECT_EQ(RejectReasonName(RejectReason::kTooDeep), "too_deep");
  EXPECT_EQ(RejectReasonName(RejectReason::kFutureEventTime), "future_event_time");
  for (size_t i = 0; i < kRejectReasonCount; ++i)
    EXPECT_FALSE(RejectReasonName(static_cast<RejectReason>(i)).empty());
}

TEST_F(HostileInput, ControlCharactersInUserIdOrPageUrl) {
  for (const char* escaped : {R"(\u0000)", R"(\u0001)", R"(\n)", R"(\t)", R"(\u001f)", R"(\u007f)", "\x7f"}) {
    const std::string value = std::string(R"("a)") + escaped + R"(b")";
    EXPECT_EQ(Verdict(Record("", value)), "control_character") << escaped;
    EXPECT_EQ(Detail(Record("", value)).rfind("user_id: ", 0), 0u) << Detail(Record("", value));
    EXPECT_EQ(Verdict(Record("", R"("u")", value)), "control_character") << escaped;
    EXPECT_EQ(Detail(Record("", R"("u")", value)).rfind("page_url: ", 0), 0u);
  }
  // A raw control character below U+0020 is not JSON at all.
  EXPECT_EQ(Verdict(Record("", std::string("\"a\x01") + "b\"")), "invalid_json");
  // Elsewhere they are allowed: ignored fields may hold anything JSON allows.
  EXPECT_EQ(Verdict(Record(R"("note": "a\u0000b")")), "accepted");
  // Neighbours of the forbidden ranges are fine.
  EXPECT_EQ(Verdict(Record("", R"("a b\u0080~")")), "accepted");
}

TEST_F(HostileInput, ControlCharacterAtAnyPositionAndLength) {
  for (size_t length = 1; length <= 24; ++length) {
    for (size_t pos = 0; pos < length; ++pos) {
      for (const char* control : {R"(\u0000)", R"(\u001f)", R"(\u007f)"}) {
        std::string user = "\"";
        for (size_t i = 0; i < length; ++i) user += i == pos ? control : "u";
        user += "\"";
        EXPECT_EQ(Verdict(Record("", user)), "control_character") << user;
      }
    }
  }
  // Bytes of multi-byte characters are never control characters, whatever their value.
  EXPECT_EQ(Verdict(Record("", R"("\u0080\u009f\u00a0\u00ff\u07ff\u0800\uffff\u0100\u7f7f\ud83d\ude00 ~")")),
            "accepted");
}

// simdjson 3.0 refuses every unpaired surrogate with the error it gives any malformed string; whichever
// string holds it, the reason is invalid_utf8, and the record is never accepted with replacement bytes.
TEST_F(HostileInput, UnpairedSurrogatesAreInvalidUtf8Everywhere) {
  for (const char* bad : {R"(\ud800)", R"(\udc00)", R"(\ud800x)", R"(\ud800\u0041)", R"(\udbff\udbff)",
                          R"(\udc00\ud800)", R"(x\ud800)", R"(\\\ud800)"}) {
    const std::string s = std::string("\"") + bad + "\"";
    EXPECT_EQ(Verdict(Record("", s)), "invalid_utf8") << "user_id " << bad;
    EXPECT_EQ(Verdict(Record("", R"("u")", s)), "invalid_utf8") << "page_url " << bad;
    EXPECT_EQ(Verdict(Record("", R"("u")", R"("p")", s)), "invalid_utf8") << "event_time " << bad;
    EXPECT_EQ(Verdict(Record(R"("ignored": )" + s)), "invalid_utf8") << "ignored field " << bad;
    EXPECT_EQ(Verdict(Record(R"("ignored": [1, {"x": )" + s + "}]")), "invalid_utf8") << "nested " << bad;
    EXPECT_EQ(Verdict(Record(s + ": 1")), "invalid_utf8") << "key " << bad;
    EXPECT_EQ(Verdict("[" + s + "]"), "invalid_utf8") << "not an object " << bad;
  }
  // A pair is one character; escaped backslashes and quotes do not start an escape.
  const ParseOutcome pair = parser_.Parse(Record("", R"("\ud83d\ude00")"));
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair.event().user_id, "\xf0\x9f\x98\x80");
  EXPECT_EQ(Verdict(Record("", R"("\\ud800")")), "accepted");
  EXPECT_EQ(Verdict(Record(R"("q": "\"", "r": "\\")")), "accepted");
  // Other bad escapes stay invalid JSON.
  EXPECT_EQ(Verdict(Record("", R"("\x")")), "invalid_json");
  EXPECT_EQ(Verdict(Record("", R"("\ud8zz")")), "invalid_json");
}

TEST_F(HostileInput, EventTimeOutsideYears1To9999InUtc) {
  for (const char* bad : {R"("0000-01-01T00:00:00+00:01")", R"("9999-12-31T23:59:00-00:01")",
                          R"("0000-06-01T00:00:00Z")", R"("0001-01-01T00:00:00+00:01")"}) {
    EXPECT_EQ(Verdict(Record("", R"("u")", R"("p")", bad)), "invalid_event_time") << bad;
  }
  for (const char* good : {R"("0001-01-01T00:00:00Z")", R"("9999-12-31T23:59:59.999999Z")",
                           R"("0000-12-31T23:59:00-00:01")", R"("9999-12-31T23:59:00+00:01")"}) {
    const ParseOutcome outcome = parser_.Parse(Record("", R"("u")", R"("p")", good));
    ASSERT_TRUE(outcome.ok()) << good;
    // Whatever is accepted formats with a four-digit year: lake folders and JSON output.
    const std::string text = FormatRfc3339(outcome.event().event_time);
    EXPECT_EQ(text.size(), 27u) << text;
    EXPECT_EQ(ParseRfc3339(text), outcome.event().event_time) << text;
    EXPECT_EQ(FormatDate(outcome.event().event_time).size(), 10u);
  }
}

TEST_F(HostileInput, DepthLimitIsSixtyFourLevelsCountingTheRecord) {
  // The record is level 1, so a member may nest 63 more levels.
  EXPECT_EQ(Verdict(Record(R"("a": )" + NestedArrays(63))), "accepted");
  EXPECT_EQ(Verdict(Record(R"("a": )" + NestedArrays(64))), "too_deep");
  EXPECT_EQ(Verdict(Record(R"("a": )" + NestedObjects(63))), "accepted");
  EXPECT_EQ(Verdict(Record(R"("a": )" + NestedObjects(64))), "too_deep");
  EXPECT_EQ(Detail(Record(R"("a": )" + NestedObjects(64))), "nested deeper than 64 levels");
  // A known field of the wrong type is walked with the same limit.
  EXPECT_EQ(Verdict(Record("", NestedArrays(63))), "wrong_type");
  EXPECT_EQ(Verdict(Record("", NestedArrays(64))), "too_deep");
  // Not an object: 64 levels is still an array, 65 is too deep.
  EXPECT_EQ(Verdict(NestedArrays(64)), "not_an_object");
  EXPECT_EQ(Verdict(NestedArrays(65)), "too_deep");
  // Brackets inside strings do not nest.
  EXPECT_EQ(Verdict(Record(R"("a": ")" + Repeat("[{", 1000) + R"(")")), "accepted");
}

TEST_F(HostileInput, TwoHundredThousandLevelsAreRejectedWithoutExhaustingTheStack) {
  constexpr size_t kLevels = 200'000;
  const std::string arrays_open = Repeat("[", kLevels);
  const std::string objects_open = Repeat(R"({"a":)", kLevels);
  for (const std::string& deep : {arrays_open, arrays_open + Repeat("]", kLevels), objects_open,
                                  objects_open + "1" + Repeat("}", kLevels)}) {
    EXPECT_EQ(Verdict(Record(R"("ignored": )" + deep)), "too_deep");
    EXPECT_EQ(Verdict(Record(R"("ignored": [)" + deep + "]")), "too_deep");
    EXPECT_EQ(Verdict(Record("", deep)), "too_deep");   // in a known field (wrong type)
    EXPECT_EQ(Verdict(deep), "too_deep");               // at top level
    EXPECT_EQ(Verdict("{\"a\": " + deep), "too_deep");  // unterminated
  }
}

TEST_F(HostileInput, LargeRecordsStayValid) {
  // 2 MB of ignored data, as the fuzzer may send.
  EXPECT_EQ(Verdict(Record(R"("blob": ")" + std::string(2 << 20, 'x') + R"(")")), "accepted");
  EXPECT_EQ(Verdict(Record(R"("list": [)" + Repeat("[1],", 300'000) + "0]")), "accepted");
}

// Other members are kept (Event::attributes): their number, size, duplicates and bytes cost no more than
// their text, and what is refused in one is refused as anywhere else.
TEST_F(HostileInput, ManyOtherMembersAreKeptWithoutBlowingUp) {
  const ParseOutcome many = parser_.Parse(Record(R"("m": 0)" + Repeat(R"(, "m": 0)", 200'000)));
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many.event().attributes, R"({"m":0)" + Repeat(R"(,"m":0)", 200'000) + "}");
  const ParseOutcome wide =
      parser_.Parse(Record(R"("o": {)" + Repeat(R"("k": 1, )", 100'000) + R"("k": 1})"));
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide.event().attributes.size(), 7 + 8 * 100'000 + 6 + 1);
  // The depth limit counts from the record, wherever the member sits.
  EXPECT_EQ(Verdict(Record(R"("a": 1, "b": )" + NestedObjects(63))), "accepted");
  EXPECT_EQ(Verdict(Record(R"("a": 1, "b": )" + NestedObjects(64))), "too_deep");
  // Refused in another member as anywhere: bytes that are not UTF-8, in a value or a key, bad escapes.
  EXPECT_EQ(Verdict(Record("\"a\": \"\xff\"")), "invalid_utf8");
  EXPECT_EQ(Verdict(Record("\"\xc3\": 1")), "invalid_utf8");
  EXPECT_EQ(Verdict(Record(R"("a": "\ud800")")), "invalid_utf8");
  EXPECT_EQ(Verdict(Record(R"("\udc00": 1)")), "invalid_utf8");
  EXPECT_EQ(Verdict(Record(R"("a": "\x")")), "invalid_json");
  EXPECT_EQ(Verdict(Record(R"("a": 1.)")), "invalid_json");
  EXPECT_EQ(Verdict(Record(R"("a": [1 2])")), "invalid_json");
  // A known field sent twice is still refused; another member named like one of the fields the enriched
  // record adds is kept.
  EXPECT_EQ(Verdict(Record(R"("user_id": "x")")), "duplicate_field");
  const ParseOutcome added = parser_.Parse(Record(R"("is_late": "x", "processing_time": 1)"));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added.event().attributes, R"({"is_late":"x","processing_time":1})");
}

TEST(FutureEventTime, MoreThanMaxFutureAheadOfTheRecordTimestampIsRejected) {
  const EventTime t = *ParseRfc3339("2026-03-01T10:00:00Z");
  const int64_t ms = t.micros() / 1000;
  const Duration day = Duration::Seconds(86400);
  EXPECT_FALSE(CheckFutureEventTime(t, std::nullopt, day));  // no timestamp: replay, old formats
  EXPECT_FALSE(CheckFutureEventTime(t, ms, day));
  EXPECT_FALSE(CheckFutureEventTime(t + day, ms, day));  // exactly max-future ahead is fine
  EXPECT_FALSE(CheckFutureEventTime(t - Duration::Seconds(86400 * 365), ms, day));  // the past is not checked
  const std::optional<Rejection> r = CheckFutureEventTime(t + day + Duration::Micros(1), ms, day);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, RejectReason::kFutureEventTime);
  EXPECT_EQ(r->detail.rfind("event_time: more than 86400 s ahead", 0), 0u) << r->detail;
  EXPECT_TRUE(CheckFutureEventTime(kLatestTime, ms, day));
}

TEST(FutureEventTime, AnyRecordTimestampIsSafe) {
  const Duration day = Duration::Seconds(86400);
  for (const int64_t ms :
       {std::numeric_limits<int64_t>::min(), int64_t{-1}, std::numeric_limits<int64_t>::max()}) {
    (void)CheckFutureEventTime(kEarliestTime, ms, day);
    (void)CheckFutureEventTime(kLatestTime, ms, day);
  }
  EXPECT_TRUE(CheckFutureEventTime(kEarliestTime, std::numeric_limits<int64_t>::min(), day));
  EXPECT_FALSE(CheckFutureEventTime(kLatestTime, std::numeric_limits<int64_t>::max(), day));
}

}  // namespace
}  // namespace clickstream
