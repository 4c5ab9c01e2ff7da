// The wire form of an event: the JSON object of SPEC.md section 1, written by the producer and, with
// extra fields, by the enriched sink.
#pragma once

#include <string>

#include "common/json_writer.h"
#include "engine/event.h"

namespace clickstream {

// Writes the four fields of `e` into an object begun on `w` (the caller may add fields, then End()).
void WriteEventFields(const Event& e, JsonWriter* w);

// Appends `{"event_time":..,"user_id":..,"page_url":..,"event_type":..}` to `out`.
void AppendEventJson(const Event& e, std::string* out);

}  // namespace clickstream
