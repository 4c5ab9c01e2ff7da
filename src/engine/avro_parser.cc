#include "engine/avro_parser.h"

#include <avro.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "common/rfc3339.h"

namespace clickstream {
namespace {

constexpr uint8_t kMagicByte = 0;
constexpr std::array<std::string_view, 4> kFields = {"event_time", "user_id", "page_url", "event_type"};
enum FieldIndex : size_t { kEventTime, kUserId, kPageUrl, kEventType };

// How an Avro long carries event_time (Avro C does not keep logical types: read from the schema's JSON).
enum class TimeUnit : uint8_t { kNone, kMillis, kMicros };

std::string AvroError(std::string_view what) { return std::string(what) + ": " + avro_strerror(); }

Rejection Reject(RejectReason reason, std::string detail) { return Rejection{reason, std::move(detail)}; }

Rejection RejectUndecodable() {
  return Reject(RejectReason::kInvalidAvro,
                AvroError("the Avro data does not decode with its writer schema"));
}

TimeUnit UnitOf(simdjson::dom::element type) {
  std::string_view name, logical;
  if (type["type"].get(name) || name != "long" || type["logicalType"].get(logical)) return TimeUnit::kNone;
  if (logical == "timestamp-micros") return TimeUnit::kMicros;
  if (logical == "timestamp-millis") return TimeUnit::kMillis;
  return TimeUnit::kNone;
}

// The unit of each union branch of the top-level field event_time (one entry when it is not a union).
std::vector<TimeUnit> EventTimeUnits(std::string_view schema_json) {
  simdjson::dom::parser parser;
  simdjson::dom::array fields;
  if (parser.parse(schema_json.data(), schema_json.size())["fields"].get(fields)) return {};
  for (simdjson::dom::element field : fields) {
    std::string_view name;
    if (field["name"].get(name) || name != kFields[kEventTime]) continue;
    simdjson::dom::element type;
    if (field["type"].get(type)) return {};
    simdjson::dom::array branches;
    if (type.get(branches)) return {UnitOf(type)};
    std::vector<TimeUnit> units;
    for (simdjson::dom::element branch : branches) units.push_back(UnitOf(branch));
    return units;
  }
  return {};
}

// Why a writer schema cannot be decoded safely, as the message of an InvalidData status; else the
// schema's height (levels of records, arrays, maps and unions). `path` holds the named types being
// walked (a link to one of them is recursion); `heights` the named types already checked, so a type
// referenced many times is walked once.
Result<int> CheckBounded(avro_schema_t schema, std::vector<avro_schema_t>* path,
                         std::map<avro_schema_t, int>* heights);

// Whether a datum of `schema` can take no bytes at all.
bool TakesNoBytes(avro_schema_t schema) {
  switch (avro_typeof(schema)) {
    case AVRO_NULL:
      return true;
    case AVRO_FIXED:
      return avro_schema_fixed_size(schema) == 0;
    case AVRO_RECORD:
      for (size_t i = 0; i < avro_schema_record_size(schema); ++i) {
        if (!TakesNoBytes(avro_schema_record_field_get_by_index(schema, static_cast<int>(i)))) return false;
      }
      return true;
    case AVRO_LINK:
      return TakesNoBytes(avro_schema_link_target(schema));
    default:
      return false;
  }
}

Result<int> CheckChildren(avro_schema_t schema, std::vector<avro_schema_t>* path,
                          std::map<avro_schema_t, int>* heights) {
  std::vector<avro_schema_t> children;
  switch (avro_typeof(schema)) {
    case AVRO_RECORD:
      for (size_t i = 0; i < avro_schema_record_size(schema); ++i) {
        children.push_back(avro_schema_record_field_get_by_index(schema, static_cast<int>(i)));
      }
      break;
    case AVRO_UNION:
      for (size_t i = 0; i < avro_schema_union_size(schema); ++i) {
        children.push_back(avro_schema_union_branch(schema, static_cast<int>(i)));
      }
      break;
    case AVRO_ARRAY:
    case AVRO_MAP: {
      avro_schema_t items =
          is_avro_array(schema) ? avro_schema_array_items(schema) : avro_schema_map_values(schema);
      if (is_avro_array(schema) && TakesNoBytes(items)) {
        return Status::InvalidData("an array of items that take no bytes (a record could claim any number)");
      }
      children.push_back(items);
      break;
    }
    default:
      return 0;
  }
  int height = 0;
  for (avro_schema_t child : children) {
    CS_ASSIGN_OR_RETURN(const int h, CheckBounded(child, path, heights));
    height = std::max(height, h);
  }
  if (height + 1 > kMaxDepth) {
    return Status::InvalidData("nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  return height + 1;
}

Result<int> CheckBounded(avro_schema_t schema, std::vector<avro_schema_t>* path,
                         std::map<avro_schema_t, int>* heights) {
  if (is_avro_link(schema)) schema = avro_schema_link_target(schema);
  if (!is_avro_record(schema)) return CheckChildren(schema, path, heights);
  if (std::find(path->begin(), path->end(), schema) != path->end()) {
    return Status::InvalidData(std::string("recursive type ") + avro_schema_name(schema));
  }
  if (auto it = heights->find(schema); it != heights->end()) return it->second;
  path->push_back(schema);
  Result<int> height = CheckChildren(schema, path, heights);
  path->pop_back();
  if (height.ok()) (*heights)[schema] = *height;
  return height;
}

// The symbol of enum value `v`, or nullptr when the index read is not one (Avro C does not check it).
const char* EnumSymbol(avro_value_t* v) {
  int symbol = 0;
  avro_value_get_enum(v, &symbol);
  avro_schema_t schema = avro_value_get_schema(v);
  if (symbol < 0 || symbol >= avro_schema_enum_number_of_symbols(schema)) return nullptr;
  return avro_schema_enum_get(schema, symbol);
}

// The name of a union branch in the JSON encoding: a named type's full name, else the type's name.
void AppendBranchName(avro_schema_t schema, std::string* out) {
  if (is_avro_link(schema)) schema = avro_schema_link_target(schema);
  if (is_avro_named_type(schema)) {
    const char* space = avro_schema_namespace(schema);
    if (space != nullptr && *space != '\0') {
      out->append(space);
      out->push_back('.');
    }
    out->append(avro_schema_name(schema));
  } else {
    out->append(avro_schema_type_name(schema));
  }
}

void AppendNumber(auto value, std::string* out) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
}

// A float or double: the shortest text that reads back as the same value; NaN and the infinities, which
// JSON has no number for, as the strings Avro's Java JSON encoder writes ("NaN", "Infinity", "-Infinity").
void AppendFloating(double value, auto exact, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    AppendNumber(exact, out);
  }
}

// Writes values in the Avro specification's JSON encoding: a union as null or {"<branch name>": value},
// bytes and fixed as strings of the code points U+0000-U+00FF, one per byte, an enum as its symbol, a
// logical type as its underlying type. Recursion is bounded by the schema's height (CheckBounded).
class AvroJsonWriter {
 public:
  // Appends the encoding of `v`, a value of top-level field `field`, or says why it has none: a string or
  // map key that is not UTF-8 (invalid_utf8), an enum index out of range (invalid_avro).
  std::optional<Rejection> Append(avro_value_t* v, std::string_view field, std::string* out) {
    switch (avro_value_get_type(v)) {
      case AVRO_NULL:
        out->append("null");
        return std::nullopt;
      case AVRO_BOOLEAN: {
        int b = 0;
        avro_value_get_boolean(v, &b);
        out->append(b ? "true" : "false");
        return std::nullopt;
      }
      case AVRO_INT32: {
        int32_t n = 0;
        avro_value_get_int(v, &n);
        AppendNumber(n, out);
        return std::nullopt;
      }
      case AVRO_INT64: {
        int64_t n = 0;
        avro_value_get_long(v, &n);
        AppendNumber(n, out);
        return std::nullopt;
      }
      case AVRO_FLOAT: {
        float f = 0;
        avro_value_get_float(v, &f);
        AppendFloating(f, f, out);
        return std::nullopt;
      }
      case AVRO_DOUBLE: {
        double d = 0;
        avro_value_get_double(v, &d);
        AppendFloating(d, d, out);
        return std::nullopt;
      }
      case AVRO_STRING: {
        const char* text = nullptr;
        size_t size = 0;
        avro_value_get_string(v, &text, &size);
        return AppendText(std::string_view(text, size > 0 ? size - 1 : 0), field, out);  // see Impl::Text
      }
      case AVRO_BYTES:
      case AVRO_FIXED: {
        const void* bytes = nullptr;
        size_t size = 0;
        if (avro_value_get_type(v) == AVRO_BYTES) {
          avro_value_get_bytes(v, &bytes, &size);
        } else {
          avro_value_get_fixed(v, &bytes, &size);
        }
        AppendCodePoints(std::string_view(static_cast<const char*>(bytes), size), out);
        return std::nullopt;
      }
      case AVRO_ENUM: {
        const char* symbol = EnumSymbol(v);
        if (symbol == nullptr) {
          return RejectField(RejectReason::kInvalidAvro, field, "an enum index that names no symbol");
        }
        AppendJsonString(symbol, out);
        return std::nullopt;
      }
      case AVRO_ARRAY:
      case AVRO_MAP:
      case AVRO_RECORD:
        return AppendContainer(v, field, out);
      case AVRO_UNION: {
        avro_value_t branch;
        avro_value_get_current_branch(v, &branch);
        if (avro_value_get_type(&branch) == AVRO_NULL) {
          out->append("null");
          return std::nullopt;
        }
        out->append("{\"");
        AppendBranchName(avro_value_get_schema(&branch), out);
        out->append("\":");
        if (auto r = Append(&branch, field, out)) return r;
        out->push_back('}');
        return std::nullopt;
      }
      case AVRO_LINK:
        break;
    }
    return RejectField(RejectReason::kInvalidAvro, field, "a value of no Avro type");
  }

 private:
  // An array (elements), a map (members by key) or a record (members by field name).
  std::optional<Rejection> AppendContainer(avro_value_t* v, std::string_view field, std::string* out) {
    const bool array = avro_value_get_type(v) == AVRO_ARRAY;
    size_t size = 0;
    avro_value_get_size(v, &size);
    out->push_back(array ? '[' : '{');
    for (size_t i = 0; i < size; ++i) {
      if (i > 0) out->push_back(',');
      avro_value_t child;
      const char* name = nullptr;
      avro_value_get_by_index(v, i, &child, array ? nullptr : &name);
      if (!array) {
        if (auto r = AppendText(name, field, out)) return r;
        out->push_back(':');
      }
      if (auto r = Append(&child, field, out)) return r;
    }
    out->push_back(array ? ']' : '}');
    return std::nullopt;
  }

  static std::optional<Rejection> AppendText(std::string_view text, std::string_view field,
                                             std::string* out) {
    if (!simdjson::validate_utf8(text.data(), text.size())) {
      return RejectField(RejectReason::kInvalidUtf8, field, "not valid UTF-8");
    }
    AppendJsonString(text, out);
    return std::nullopt;
  }

  // Each byte as the code point of its value, UTF-8 encoded, as a JSON string.
  void AppendCodePoints(std::string_view bytes, std::string* out) {
    code_points_.clear();
    for (const char c : bytes) {
      const auto b = static_cast<unsigned char>(c);
      if (b < 0x80) {
        code_points_.push_back(c);
      } else {
        code_points_.push_back(static_cast<char>(0xC0 | b >> 6));
        code_points_.push_back(static_cast<char>(0x80 | (b & 0x3F)));
      }
    }
    AppendJsonString(code_points_, out);
  }

  std::string code_points_;  // reused
};

}  // namespace

std::variant<AvroFrame, Rejection> ReadAvroFrame(std::string_view record) {
  if (record.size() < kAvroHeaderBytes || static_cast<uint8_t>(record[0]) != kMagicByte) {
    return Reject(RejectReason::kInvalidWireFormat,
                  "not the Confluent wire format: magic byte 0 and a 4-byte schema id before the Avro data");
  }
  uint32_t id = 0;
  for (size_t i = 1; i < kAvroHeaderBytes; ++i) id = id << 8 | static_cast<uint8_t>(record[i]);
  return AvroFrame{id, record.substr(kAvroHeaderBytes)};
}

void AppendAvroFrame(uint32_t schema_id, std::string_view body, std::string* out) {
  out->push_back(static_cast<char>(kMagicByte));
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(schema_id >> shift & 0xff));
  out->append(body);
}

struct AvroRecordDecoder::Impl {
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  avro_reader_t reader = nullptr;
  std::array<int, kFields.size()> index{};  // of each field in the writer schema; -1: absent
  std::vector<TimeUnit> time_units;         // see EventTimeUnits
  // The writer schema's other fields: index and name as a JSON string.
  std::vector<std::pair<int, std::string>> others;
  AvroJsonWriter json;
  std::string attributes;  // of the record being decoded (RecordFields::attributes); reused

  ~Impl() {
    if (reader) avro_reader_free(reader);
    if (value.iface) avro_value_decref(&value);
    if (iface) avro_value_iface_decref(iface);
    if (schema) avro_schema_decref(schema);
  }

  // The text of string or enum `v`, or why not.
  std::variant<std::string_view, Rejection> Text(size_t field, avro_value_t* v) {
    const char* text = nullptr;
    size_t size = 0;
    switch (avro_value_get_type(v)) {
      case AVRO_STRING:
        avro_value_get_string(v, &text, &size);
        // Avro C counts the terminating NUL it adds.
        return std::string_view(text, size > 0 ? size - 1 : 0);
      case AVRO_ENUM: {
        const char* symbol = EnumSymbol(v);
        if (symbol == nullptr) {
          return RejectField(RejectReason::kInvalidAvro, kFields[field],
                             "an enum index that names no symbol");
        }
        return std::string_view(symbol);
      }
      default:
        return RejectField(RejectReason::kWrongType, kFields[field],
                           field == kEventTime ? "must be a string, or a long with logicalType "
                                                 "timestamp-micros or timestamp-millis"
                                               : "must be a string or an enum");
    }
  }
};

AvroRecordDecoder::AvroRecordDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AvroRecordDecoder::~AvroRecordDecoder() = default;

Result<std::unique_ptr<AvroRecordDecoder>> AvroRecordDecoder::Create(std::string_view schema_json) {
  auto impl = std::make_unique<Impl>();
  if (avro_schema_from_json_length(schema_json.data(), schema_json.size(), &impl->schema) != 0) {
    impl->schema = nullptr;
    return Status::InvalidData(AvroError("not an Avro schema"));
  }
  if (!is_avro_record(impl->schema)) return Status::InvalidData("the writer schema is not a record");
  std::vector<avro_schema_t> path;
  std::map<avro_schema_t, int> heights;
  if (Result<int> height = CheckBounded(impl->schema, &path, &heights); !height.ok()) {
    return Status::InvalidData("the writer schema is refused: " + height.status().message());
  }
  impl->iface = avro_generic_class_from_schema(impl->schema);
  if (!impl->iface) return Status::InvalidData(AvroError("the writer schema is refused"));
  if (avro_generic_value_new(impl->iface, &impl->value) != 0) {
    impl->value = {};
    return Status::Internal(AvroError("avro: allocating a value"));
  }
  impl->reader = avro_reader_memory(nullptr, 0);
  for (size_t i = 0; i < kFields.size(); ++i) {
    impl->index[i] = avro_schema_record_field_get_index(impl->schema, std::string(kFields[i]).c_str());
  }
  impl->time_units = EventTimeUnits(schema_json);
  for (size_t i = 0; i < avro_schema_record_size(impl->schema); ++i) {
    const int index = static_cast<int>(i);
    if (std::find(impl->index.begin(), impl->index.end(), index) != impl->index.end()) continue;
    std::string name;
    AppendJsonString(avro_schema_record_field_name(impl->schema, index), &name);
    impl->others.emplace_back(index, std::move(name));
  }
  return std::unique_ptr<AvroRecordDecoder>(new AvroRecordDecoder(std::move(impl)));
}

ParseOutcome AvroRecordDecoder::Decode(std::string_view body) {
  Impl& d = *impl_;
  // Skipped first, which allocates nothing: Avro C 1.11.1 allocates a string's declared length before
  // reading it and leaks that buffer when the bytes are missing. Once the datum is known to fit, reading
  // it cannot run out of bytes.
  avro_reader_memory_set_source(d.reader, body.data(), static_cast<int64_t>(body.size()));
  if (avro_skip_data(d.reader, d.schema) != 0) return RejectUndecodable();
  char extra;
  if (avro_read(d.reader, &extra, 1) == 0) {
    return Reject(RejectReason::kInvalidAvro, "content after the Avro record");
  }
  avro_reader_memory_set_source(d.reader, body.data(), static_cast<int64_t>(body.size()));
  if (avro_value_read(d.reader, &d.value) != 0) return RejectUndecodable();
  RecordFields fields;
  std::array<std::string_view*, kFields.size()> texts = {nullptr, &fields.user_id, &fields.page_url,
                                                         &fields.event_type};
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (d.index[i] < 0) return RejectField(RejectReason::kMissingField, kFields[i], "missing");
    avro_value_t v, branch;
    avro_value_get_by_index(&d.value, d.index[i], &v, nullptr);
    int which = 0;
    if (avro_value_get_type(&v) == AVRO_UNION) {
      avro_value_get_discriminant(&v, &which);
      avro_value_get_current_branch(&v, &branch);
      v = branch;
    }
    if (avro_value_get_type(&v) == AVRO_NULL)
      return RejectField(RejectReason::kMissingField, kFields[i], "null");
    if (i == kEventTime && avro_value_get_type(&v) == AVRO_INT64) {
      const TimeUnit unit =
          static_cast<size_t>(which) < d.time_units.size() ? d.time_units[which] : TimeUnit::kNone;
      int64_t n = 0;
      avro_value_get_long(&v, &n);
      if (unit == TimeUnit::kNone) {
        return RejectField(RejectReason::kWrongType, kFields[i],
                           "a long without logicalType timestamp-micros or timestamp-millis");
      }
      // 128 bits: milliseconds times 1000 can overflow 64. Out of range: ValidateFields rejects Min().
      const __int128 micros = unit == TimeUnit::kMillis ? static_cast<__int128>(n) * 1000 : n;
      fields.event_time = micros >= kEarliestTime.micros() && micros <= kLatestTime.micros()
                              ? EventTime::FromMicros(static_cast<int64_t>(micros))
                              : EventTime::Min();
      continue;
    }
    auto text = d.Text(i, &v);
    if (auto* r = std::get_if<Rejection>(&text)) return std::move(*r);
    const std::string_view s = std::get<std::string_view>(text);
    if (!simdjson::validate_utf8(s.data(), s.size())) {
      return RejectField(RejectReason::kInvalidUtf8, kFields[i], "not valid UTF-8");
    }
    if (i == kEventTime) {
      fields.event_time = s;
    } else {
      *texts[i] = s;
    }
  }
  d.attributes.clear();
  for (auto& [index, name] : d.others) {
    d.attributes.push_back(d.attributes.empty() ? '{' : ',');
    d.attributes.append(name);
    d.attributes.push_back(':');
    avro_value_t v;
    avro_value_get_by_index(&d.value, index, &v, nullptr);
    const std::string_view field(name.data() + 1, name.size() - 2);  // Avro names need no escaping
    if (auto r = d.json.Append(&v, field, &d.attributes)) return std::move(*r);
  }
  if (!d.attributes.empty()) d.attributes.push_back('}');
  fields.attributes = d.attributes;
  ParseOutcome outcome;
  ValidateFields(fields, &outcome);
  return outcome;
}

}  // namespace clickstream
