// Parsing and validation of input records (SPEC.md section 1) with simdjson On-Demand.
//
// A record is accepted when it is one JSON object, valid UTF-8, whose fields `event_time`, `user_id`,
// `page_url` and `event_type` are present, are strings and are in range. Other members are allowed (their
// values must still be valid JSON) and kept as sent in Event::attributes, in their order; duplicates among
// them are kept too. A record that names one of the four fields twice is
// rejected (`duplicate_field`): consumers disagree on which copy wins, so such a record has no single
// meaning. Keys are compared after unescaping ("user\u005fid" is user_id).
//
// Hostile input (SPEC.md section 1) gets reasons of its own. Nesting deeper than kMaxDepth is `too_deep`:
// On-Demand does not limit depth, so the walk of ignored values counts levels and stops there, and a
// record that is not an object is scanned by a loop before the DOM parser sees it. A `\u` escape that is
// an unpaired surrogate is `invalid_utf8`: simdjson refuses it like any malformed string, and the bytes
// of a refused record are then scanned to tell which. user_id and page_url must not hold control
// characters, and event_time must fall within years 0001-9999 in UTC.
//
// Thread safety: an EventParser is not thread-safe; use one per thread. It owns its buffers and reuses
// them; parsed into the same ParseOutcome record after record, steady-state parsing allocates nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/check.h"
#include "engine/event.h"

namespace clickstream {

enum class RejectReason : uint8_t {
  kInvalidJson,       // not JSON, or trailing content after the object
  kNotAnObject,       // valid JSON but not an object (array, string, number, ...)
  kInvalidUtf8,       // bytes that are not UTF-8, anywhere in the record
  kMissingField,      // one of the four fields is absent
  kDuplicateField,    // one of the four fields appears twice
  kWrongType,         // one of the four fields is not a string
  kEmptyField,        // user_id, page_url (or event_time/event_type) is ""
  kFieldTooLong,      // user_id over 256 bytes or page_url over 2048 bytes
  kInvalidEventTime,  // event_time is not RFC 3339 with an offset, or outside years 0001-9999 in UTC
  kUnknownEventType,  // event_type is not one of the four names
  kControlCharacter,  // user_id or page_url holds U+0000-U+001F or U+007F
  kTooDeep,           // arrays and objects nested deeper than kMaxDepth
  kFutureEventTime,   // event_time too far ahead of the record's timestamp (CheckFutureEventTime)
  // Avro input (engine/avro_parser.h):
  kInvalidWireFormat,  // not the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary)
  kUnknownSchemaId,    // the schema registry does not know the record's schema id
  kInvalidAvro,        // the Avro binary does not decode with its writer schema, or that schema is unusable
};
inline constexpr size_t kRejectReasonCount = static_cast<size_t>(RejectReason::kInvalidAvro) + 1;

// Stable snake_case code, e.g. "invalid_utf8": used in DLQ headers, metrics and rejected.jsonl.
std::string_view RejectReasonName(RejectReason reason);

inline constexpr size_t kMaxUserIdBytes = 256;
inline constexpr size_t kMaxPageUrlBytes = 2048;
// Nesting levels of arrays and objects a record may have; the record's own object is level 1.
inline constexpr int kMaxDepth = 64;

struct Rejection {
  RejectReason reason;
  std::string detail;  // one line for humans, naming the field, e.g. "user_id: longer than 256 bytes"
};

// `detail` of a rejection about one field: "<field>: <what>", e.g. "user_id: missing".
Rejection RejectField(RejectReason reason, std::string_view field, std::string_view what);

// Either the accepted Event or the Rejection.
class ParseOutcome {
 public:
  ParseOutcome() = default;  // an empty Event, for EventParser::Parse to fill in
  ParseOutcome(Event event) : value_(std::move(event)) {}              // NOLINT(google-explicit-constructor)
  ParseOutcome(Rejection rejection) : value_(std::move(rejection)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<Event>(value_); }
  // REQUIRES: ok().
  const Event& event() const& {
    CS_DCHECK(ok()) << "the event of a rejection";
    return std::get<Event>(value_);
  }
  Event&& event() && {
    CS_DCHECK(ok()) << "the event of a rejection";
    return std::get<Event>(std::move(value_));
  }
  // REQUIRES: !ok().
  const Rejection& rejection() const {
    CS_DCHECK(!ok()) << "the rejection of an event";
    return std::get<Rejection>(value_);
  }

  // Makes this outcome an accepted Event, to be filled in. An outcome that held an Event keeps its strings,
  // whose capacity the new values reuse.
  Event& MutableEvent() { return ok() ? std::get<Event>(value_) : value_.emplace<Event>(); }

 private:
  std::variant<Event, Rejection> value_;
};

// The `--max-future` rule (SPEC.md section 1): an event whose event_time is more than `max_future` ahead of
// the timestamp of the record that carried it is rejected as future_event_time, since one producer with a
// wrong clock would otherwise move its partition's watermark past every real event. `record_millis` is
// that timestamp in milliseconds since the epoch, any value a producer set, or nullopt when the record has
// none (then nothing is checked).
std::optional<Rejection> CheckFutureEventTime(EventTime event_time, std::optional<int64_t> record_millis,
                                              Duration max_future);

// The four fields of a record as read, before validation. `event_time` is RFC 3339 text, or an instant a
// binary format carried as a number (an Avro timestamp), in which case it was only range-checked.
struct RecordFields {
  std::variant<std::string_view, EventTime> event_time;
  std::string_view user_id;
  std::string_view page_url;
  std::string_view event_type;
  // The other members as the JSON text of one object (Event::attributes), "" when there are none.
  std::string_view attributes;
};

// SPEC.md section 1's rules on the values of the four fields, whatever format carried them: not empty,
// sizes, control characters, event_time within years 0001-9999 UTC, a known event_type. The caller has
// checked that each is present, of the right type and valid UTF-8. Sets *outcome to the Event, with
// `attributes` copied (see ParseOutcome::MutableEvent), or the Rejection.
void ValidateFields(const RecordFields& fields, ParseOutcome* outcome);

class EventParser {
 public:
  EventParser();
  ~EventParser();
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // Parses one record (a Kafka value or a JSON Lines line without its newline) into *outcome. Parsing
  // into the same outcome record after record reuses the strings of its Event (see MutableEvent): what the
  // pipeline does, one allocation fewer per field.
  void Parse(std::string_view record, ParseOutcome* outcome);
  ParseOutcome Parse(std::string_view record) {
    ParseOutcome outcome;
    Parse(record, &outcome);
    return outcome;
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clickstream
