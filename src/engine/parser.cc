#include "engine/parser.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "common/json_writer.h"
#include "common/rfc3339.h"

namespace clickstream {
namespace ondemand = simdjson::ondemand;

namespace {

constexpr std::array<std::string_view, kRejectReasonCount> kReasonNames = {
    "invalid_json",       "not_an_object",       "invalid_utf8",      "missing_field",
    "duplicate_field",    "wrong_type",          "empty_field",       "field_too_long",
    "invalid_event_time", "unknown_event_type",  "control_character", "too_deep",
    "future_event_time",  "invalid_wire_format", "unknown_schema_id", "invalid_avro",
};

enum Field : uint8_t { kEventTime, kUserId, kPageUrl, kEventType, kFieldCount, kUnknown = kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"event_time", "user_id", "page_url",
                                                                   "event_type"};

Field FieldOf(std::string_view key) {
  for (size_t i = 0; i < kFieldNames.size(); ++i) {
    if (key == kFieldNames[i]) return static_cast<Field>(i);
  }
  return kUnknown;
}

Rejection Reject(RejectReason reason, std::string detail) { return Rejection{reason, std::move(detail)}; }

Rejection RejectField(RejectReason reason, Field field, std::string_view what) {
  return clickstream::RejectField(reason, kFieldNames[field], what);
}

// JSON number grammar (RFC 8259 section 6); On-Demand does not check numbers it is not asked to convert.
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

enum class Walk : uint8_t { kOk, kInvalid, kTooDeep };

// Walks a value the record does not use, so that malformed JSON in it is still rejected. `depth` is the
// value's nesting level; the walk stops at kMaxDepth, so its recursion is bounded.
Walk ConsumeValue(ondemand::value value, int depth) {
  ondemand::json_type type;
  if (value.type().get(type)) return Walk::kInvalid;
  switch (type) {
    case ondemand::json_type::object: {
      if (depth > kMaxDepth) return Walk::kTooDeep;
      ondemand::object object;
      if (value.get_object().get(object)) return Walk::kInvalid;
      for (auto field : object) {
        std::string_view key;
        ondemand::value child;
        if (field.unescaped_key().get(key) || field.value().get(child)) return Walk::kInvalid;
        if (const Walk walk = ConsumeValue(child, depth + 1); walk != Walk::kOk) return walk;
      }
      return Walk::kOk;
    }
    case ondemand::json_type::array: {
      if (depth > kMaxDepth) return Walk::kTooDeep;
      ondemand::array array;
      if (value.get_array().get(array)) return Walk::kInvalid;
      for (auto element : array) {
        ondemand::value child;
        if (element.get(child)) return Walk::kInvalid;
        if (const Walk walk = ConsumeValue(child, depth + 1); walk != Walk::kOk) return walk;
      }
      return Walk::kOk;
    }
    case ondemand::json_type::string: {
      std::string_view s;
      return value.get_string().get(s) ? Walk::kInvalid : Walk::kOk;
    }
    case ondemand::json_type::number:
      return IsJsonNumber(TrimRight(value.raw_json_token())) ? Walk::kOk : Walk::kInvalid;
    case ondemand::json_type::boolean: {
      bool b;
      return value.get_bool().get(b) ? Walk::kInvalid : Walk::kOk;
    }
    case ondemand::json_type::null:
      return value.is_null().value_unsafe() ? Walk::kOk : Walk::kInvalid;
  }
  return Walk::kInvalid;
}

// Walks a member's value like ConsumeValue and sets *raw to its text as sent. Once a container has been
// walked, the document's position (shared by its values) is the token after the container's end.
Walk ConsumeRawValue(ondemand::value value, std::string_view* raw) {
  // A scalar's text up to the next token; a container's first character.
  std::string_view token = value.raw_json_token();
  if (token.empty()) return Walk::kInvalid;
  if (const Walk walk = ConsumeValue(value, 2); walk != Walk::kOk) return walk;
  if (token.front() == '{' || token.front() == '[') {
    const char* end;
    if (value.current_location().get(end)) return Walk::kInvalid;
    token = std::string_view(token.data(), static_cast<size_t>(end - token.data()));
  }
  *raw = TrimRight(token);
  return Walk::kOk;
}

// The value of four hex digits at `pos`, or -1.
int Hex4(std::string_view s, size_t pos) {
  if (pos + 4 > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + 4; ++i) {
    const char c = s[i];
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

enum class Hostile : uint8_t { kNone, kTooDeep, kUnpairedSurrogate };

// Finds, in the raw bytes of a record simdjson refused or that is not an object, what deserves a reason of
// its own: nesting deeper than kMaxDepth, or a `\u` escape that is an unpaired UTF-16 surrogate (simdjson
// reports that like any other string error). Aware of strings and escapes; a loop, not a recursion.
Hostile FindHostile(std::string_view s) {
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i++];
    if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return Hostile::kTooDeep;
    } else if (c == ']' || c == '}') {
      depth = std::max(depth - 1, 0);
    } else if (c == '"') {
      while (i < s.size() && s[i] != '"') {
        if (s[i++] != '\\' || i == s.size()) continue;
        if (s[i++] != 'u') continue;  // a one-character escape, \" included
        const int unit = Hex4(s, i);
        if (unit < 0xD800 || unit > 0xDFFF) continue;  // not a surrogate, or not hex (simdjson says why)
        i += 4;
        if (unit >= 0xDC00) return Hostile::kUnpairedSurrogate;  // a low surrogate first
        const int low = s.substr(i, 2) == "\\u" ? Hex4(s, i + 2) : -1;
        if (low < 0xDC00 || low > 0xDFFF) return Hostile::kUnpairedSurrogate;
        i += 6;
      }
      ++i;  // the closing quote
    }
  }
  return Hostile::kNone;
}

Rejection RejectTooDeep() {
  return Reject(RejectReason::kTooDeep, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
}

std::optional<Rejection> RejectHostile(std::string_view record) {
  switch (FindHostile(record)) {
    case Hostile::kTooDeep:
      return RejectTooDeep();
    case Hostile::kUnpairedSurrogate:
      return Reject(RejectReason::kInvalidUtf8, "a \\u escape is an unpaired UTF-16 surrogate");
    case Hostile::kNone:
      break;
  }
  return std::nullopt;
}

// A record simdjson refused.
Rejection RejectMalformed(std::string_view record) {
  return RejectHostile(record).value_or(Reject(RejectReason::kInvalidJson, "not valid JSON"));
}

Rejection RejectWalk(Walk walk, std::string_view record) {
  return walk == Walk::kTooDeep ? RejectTooDeep() : RejectMalformed(record);
}

// Eight bytes at a time: this runs for every accepted record.
bool HasControlCharacter(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  auto any_zero = [](uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
  auto any_below_0x20 = [](uint64_t x) { return ((x - 0x20 * kOnes) & ~x & kHighs) != 0; };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    if (any_below_0x20(x) || any_zero(x ^ (0x7f * kOnes))) return true;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::string_view RejectReasonName(RejectReason reason) { return kReasonNames[static_cast<size_t>(reason)]; }

struct EventParser::Impl {
  ondemand::parser parser;
  simdjson::dom::parser dom_parser;  // only to tell "not JSON" from "JSON but not an object"
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;  // bytes in `buffer`, padding included

  // Copies `record` into the padded buffer On-Demand requires, growing it geometrically.
  const char* Pad(std::string_view record) {
    const size_t needed = record.size() + simdjson::SIMDJSON_PADDING;
    if (needed > capacity) {
      capacity = std::max(needed, capacity * 2);
      buffer = std::make_unique<char[]>(capacity);
    }
    std::memcpy(buffer.get(), record.data(), record.size());
    std::memset(buffer.get() + record.size(), 0, simdjson::SIMDJSON_PADDING);
    return buffer.get();
  }

  // Reads the four fields of `record` into *fields and its other members into `attributes`, or says why
  // the record is refused before its values are looked at. The views are valid until the next call.
  std::optional<Rejection> ReadFields(std::string_view record, RecordFields* fields);

  // The other members of the record being read (RecordFields::attributes); reused record after record.
  std::string attributes;

  Rejection RejectNonObject(std::string_view record) {
    if (const std::optional<Rejection> hostile = RejectHostile(record)) return *hostile;
    simdjson::dom::element element;
    if (dom_parser.parse(record.data(), record.size()).get(element)) {
      return Reject(RejectReason::kInvalidJson, "not valid JSON");
    }
    return Reject(RejectReason::kNotAnObject, "the record is JSON but not an object");
  }
};

EventParser::EventParser() : impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;

void EventParser::Parse(std::string_view record, ParseOutcome* outcome) {
  RecordFields fields;
  if (std::optional<Rejection> rejection = impl_->ReadFields(record, &fields)) {
    *outcome = std::move(*rejection);
    return;
  }
  ValidateFields(fields, outcome);
}

std::optional<Rejection> EventParser::Impl::ReadFields(std::string_view record, RecordFields* fields) {
  const char* padded = Pad(record);
  ondemand::document doc;
  // Stage 1 of iterate validates UTF-8 along the way, so a record it accepts is valid UTF-8; a refused one
  // is checked again, since invalid UTF-8 takes precedence over whatever else stage 1 reported.
  if (parser.iterate(padded, record.size(), capacity).get(doc)) {
    if (!simdjson::validate_utf8(record.data(), record.size())) {
      return Reject(RejectReason::kInvalidUtf8, "the record is not valid UTF-8");
    }
    return RejectMalformed(record);
  }
  ondemand::object object;
  if (doc.get_object().get(object)) return RejectNonObject(record);

  std::array<std::string_view, kFieldCount> values;
  std::array<bool, kFieldCount> seen{};
  attributes.clear();
  for (auto field : object) {
    std::string_view key;
    ondemand::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) return RejectMalformed(record);
    const Field which = FieldOf(key);
    if (which == kUnknown) {
      std::string_view raw;
      if (const Walk walk = ConsumeRawValue(value, &raw); walk != Walk::kOk) {
        return RejectWalk(walk, record);
      }
      attributes.push_back(attributes.empty() ? '{' : ',');
      AppendJsonString(key, &attributes);
      attributes.push_back(':');
      attributes.append(raw);
      continue;
    }
    if (seen[which]) return RejectField(RejectReason::kDuplicateField, which, "appears more than once");
    seen[which] = true;
    const auto error = value.get_string().get(values[which]);
    if (error == simdjson::INCORRECT_TYPE) {
      // Still check the rest is JSON: "not JSON" wins over "wrong type" for a broken record.
      if (const Walk walk = ConsumeValue(value, 2); walk != Walk::kOk) return RejectWalk(walk, record);
      return RejectField(RejectReason::kWrongType, which, "must be a string");
    }
    if (error) return RejectMalformed(record);
  }
  // A fully iterated document is at its end unless something follows the object.
  if (!doc.current_location().error()) return Reject(RejectReason::kInvalidJson, "content after the object");

  for (size_t i = 0; i < kFieldCount; ++i) {
    if (!seen[i]) return RejectField(RejectReason::kMissingField, static_cast<Field>(i), "missing");
  }
  if (!attributes.empty()) attributes.push_back('}');
  *fields = {values[kEventTime], values[kUserId], values[kPageUrl], values[kEventType], attributes};
  return std::nullopt;
}

Rejection RejectField(RejectReason reason, std::string_view field, std::string_view what) {
  std::string detail(field);
  detail += ": ";
  detail += what;
  return Reject(reason, std::move(detail));
}

namespace {

// ValidateFields' rules; on success *time and *type are the values of event_time and event_type.
std::optional<Rejection> CheckFields(const RecordFields& fields, EventTime* time_out, EventType* type_out) {
  const auto* decoded_time = std::get_if<EventTime>(&fields.event_time);
  const auto* time_text = std::get_if<std::string_view>(&fields.event_time);
  const std::array<std::string_view, kFieldCount> values = {
      time_text ? *time_text : std::string_view(), fields.user_id, fields.page_url, fields.event_type};
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (values[i].empty() && !(i == kEventTime && decoded_time)) {
      return RejectField(RejectReason::kEmptyField, static_cast<Field>(i), "empty");
    }
  }
  if (values[kUserId].size() > kMaxUserIdBytes) {
    return RejectField(RejectReason::kFieldTooLong, kUserId, "longer than 256 bytes");
  }
  if (values[kPageUrl].size() > kMaxPageUrlBytes) {
    return RejectField(RejectReason::kFieldTooLong, kPageUrl, "longer than 2048 bytes");
  }
  for (const Field field : {kUserId, kPageUrl}) {
    if (HasControlCharacter(values[field])) {
      return RejectField(RejectReason::kControlCharacter, field,
                         "holds a control character (U+0000-U+001F, U+007F)");
    }
  }
  std::optional<EventTime> time;
  if (decoded_time) {
    if (*decoded_time >= kEarliestTime && *decoded_time <= kLatestTime) time = *decoded_time;
  } else {
    time = ParseRfc3339(*time_text);
  }
  if (!time) {
    return RejectField(RejectReason::kInvalidEventTime, kEventTime,
                       "not an RFC 3339 timestamp with an offset within years 0001-9999 UTC (e.g. "
                       "2026-03-01T10:00:00.000000Z)");
  }
  const std::optional<EventType> type = EventTypeFromName(values[kEventType]);
  if (!type) {
    return RejectField(RejectReason::kUnknownEventType, kEventType,
                       "not one of page_view, click, session_start, session_end");
  }
  *time_out = *time;
  *type_out = *type;
  return std::nullopt;
}

}  // namespace

void ValidateFields(const RecordFields& fields, ParseOutcome* outcome) {
  EventTime time;
  EventType type;
  if (std::optional<Rejection> rejection = CheckFields(fields, &time, &type)) {
    *outcome = std::move(*rejection);
    return;
  }
  Event& event = outcome->MutableEvent();
  event.event_time = time;
  // clear + append: assign's aliasing checks cost more than the copy of a short string.
  event.user_id.clear();
  event.user_id.append(fields.user_id);
  event.page_url.clear();
  event.page_url.append(fields.page_url);
  event.event_type = type;
  event.attributes.clear();
  event.attributes.append(fields.attributes);
}

std::optional<Rejection> CheckFutureEventTime(EventTime event_time, std::optional<int64_t> record_millis,
                                              Duration max_future) {
  if (!record_millis) return std::nullopt;
  // 128 bits: a producer may set any 64-bit timestamp, and milliseconds times 1000 can overflow 64.
  const __int128 ahead =
      static_cast<__int128>(event_time.micros()) - static_cast<__int128>(*record_millis) * 1000;
  if (ahead <= max_future.micros()) return std::nullopt;
  return RejectField(RejectReason::kFutureEventTime, kEventTime,
                     "more than " + std::to_string(max_future.micros() / 1'000'000) +
                         " s ahead of the record's timestamp (" + std::to_string(*record_millis) +
                         " ms since the epoch)");
}

}  // namespace clickstream
