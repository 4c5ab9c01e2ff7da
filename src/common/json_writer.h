// A minimal streaming JSON object writer for the rows the pipeline emits (producer records, replay
// files, enriched events). Written by hand because output needs only flat objects of strings, numbers,
// booleans and timestamps (and members already in JSON), and this appends straight into a reused buffer
// on the hot path.
//
// Usage: JsonWriter w(&buf); w.Begin(); w.Field("a", "x"); w.Field("n", int64_t{1}); w.End();
// Not thread-safe; the writer does not own the buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/types.h"

namespace clickstream {

// Appends `s` as a JSON string literal (quotes included), escaping as RFC 8259 requires.
void AppendJsonString(std::string_view s, std::string* out);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void Begin() {
    out_->push_back('{');
    first_ = true;
  }
  void End() { out_->push_back('}'); }

  void Field(std::string_view name, std::string_view value) {
    Key(name);
    AppendJsonString(value, out_);
  }
  void Field(std::string_view name, const char* value) { Field(name, std::string_view(value)); }
  void Field(std::string_view name, int64_t value) {
    Key(name);
    out_->append(std::to_string(value));
  }
  void Field(std::string_view name, double value);
  void Field(std::string_view name, bool value) {
    Key(name);
    out_->append(value ? "true" : "false");
  }
  // As an RFC 3339 string with six fraction digits, UTC.
  void Field(std::string_view name, EventTime value);
  // `members`: one or more members (`"name":value`, comma-separated) as JSON text, appended as they are.
  void RawMembers(std::string_view members) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->append(members);
  }

 private:
  void Key(std::string_view name) {
    if (!first_) out_->push_back(',');
    first_ = false;
    AppendJsonString(name, out_);
    out_->push_back(':');
  }

  std::string* out_;
  bool first_ = true;
};

}  // namespace clickstream
