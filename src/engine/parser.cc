#include "engine/parser.h"

#include <simdjson.h>

#include <array>
#include <cstring>
#include <optional>

#include "common/rfc3339.h"

namespace clickstream {
namespace ondemand = simdjson::ondemand;

namespace {

constexpr std::array<std::string_view, 10> kReasonNames = {
    "invalid_json", "not_an_object", "invalid_utf8",   "missing_field",      "duplicate_field",
    "wrong_type",   "empty_field",   "field_too_long", "invalid_event_time", "unknown_event_type",
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
  std::string detail(kFieldNames[field]);
  detail += ": ";
  detail += what;
  return Reject(reason, std::move(detail));
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

// Walks a value the record does not use, so that malformed JSON in it is still rejected.
bool ConsumeValue(ondemand::value value) {
  ondemand::json_type type;
  if (value.type().get(type)) return false;
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if (value.get_object().get(object)) return false;
      for (auto field : object) {
        std::string_view key;
        ondemand::value child;
        if (field.unescaped_key().get(key) || field.value().get(child) || !ConsumeValue(child)) return false;
      }
      return true;
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      if (value.get_array().get(array)) return false;
      for (auto element : array) {
        ondemand::value child;
        if (element.get(child) || !ConsumeValue(child)) return false;
      }
      return true;
    }
    case ondemand::json_type::string: {
      std::string_view s;
      return !value.get_string().get(s);
    }
    case ondemand::json_type::number:
      return IsJsonNumber(TrimRight(value.raw_json_token()));
    case ondemand::json_type::boolean: {
      bool b;
      return !value.get_bool().get(b);
    }
    case ondemand::json_type::null:
      return value.is_null().value_unsafe();
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

  Rejection RejectNonObject(std::string_view record) {
    simdjson::dom::element element;
    if (dom_parser.parse(record.data(), record.size()).get(element)) {
      return Reject(RejectReason::kInvalidJson, "not valid JSON");
    }
    return Reject(RejectReason::kNotAnObject, "the record is JSON but not an object");
  }
};

EventParser::EventParser() : impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;

ParseOutcome EventParser::Parse(std::string_view record) {
  if (!simdjson::validate_utf8(record.data(), record.size())) {
    return Reject(RejectReason::kInvalidUtf8, "the record is not valid UTF-8");
  }
  const char* padded = impl_->Pad(record);
  ondemand::document doc;
  if (impl_->parser.iterate(padded, record.size(), impl_->capacity).get(doc)) {
    return Reject(RejectReason::kInvalidJson, "not valid JSON");
  }
  ondemand::object object;
  if (doc.get_object().get(object)) return impl_->RejectNonObject(record);

  std::array<std::string_view, kFieldCount> values;
  std::array<bool, kFieldCount> seen{};
  for (auto field : object) {
    std::string_view key;
    ondemand::value value;
    if (field.unescaped_key().get(key) || field.value().get(value)) {
      return Reject(RejectReason::kInvalidJson, "not valid JSON");
    }
    const Field which = FieldOf(key);
    if (which == kUnknown) {
      if (!ConsumeValue(value)) return Reject(RejectReason::kInvalidJson, "not valid JSON");
      continue;
    }
    if (seen[which]) return RejectField(RejectReason::kDuplicateField, which, "appears more than once");
    seen[which] = true;
    const auto error = value.get_string().get(values[which]);
    if (error == simdjson::INCORRECT_TYPE) {
      // Still check the rest is JSON: "not JSON" wins over "wrong type" for a broken record.
      if (!ConsumeValue(value)) return Reject(RejectReason::kInvalidJson, "not valid JSON");
      return RejectField(RejectReason::kWrongType, which, "must be a string");
    }
    if (error) return Reject(RejectReason::kInvalidJson, "not valid JSON");
  }
  // A fully iterated document is at its end unless something follows the object.
  if (!doc.current_location().error()) return Reject(RejectReason::kInvalidJson, "content after the object");

  for (size_t i = 0; i < kFieldCount; ++i) {
    if (!seen[i]) return RejectField(RejectReason::kMissingField, static_cast<Field>(i), "missing");
    if (values[i].empty()) return RejectField(RejectReason::kEmptyField, static_cast<Field>(i), "empty");
  }
  if (values[kUserId].size() > kMaxUserIdBytes) {
    return RejectField(RejectReason::kFieldTooLong, kUserId, "longer than 256 bytes");
  }
  if (values[kPageUrl].size() > kMaxPageUrlBytes) {
    return RejectField(RejectReason::kFieldTooLong, kPageUrl, "longer than 2048 bytes");
  }
  const std::optional<EventTime> time = ParseRfc3339(values[kEventTime]);
  if (!time) {
    return RejectField(RejectReason::kInvalidEventTime, kEventTime,
                       "not an RFC 3339 timestamp with an offset (e.g. 2026-03-01T10:00:00.000000Z)");
  }
  const std::optional<EventType> type = EventTypeFromName(values[kEventType]);
  if (!type) {
    return RejectField(RejectReason::kUnknownEventType, kEventType,
                       "not one of page_view, click, session_start, session_end");
  }
  return Event{*time, std::string(values[kUserId]), std::string(values[kPageUrl]), *type};
}

}  // namespace clickstream
