#include "format/event_json.h"

namespace clickstream {

void WriteEventFields(const Event& e, JsonWriter* w) {
  w->Field("event_time", e.event_time);
  w->Field("user_id", e.user_id);
  w->Field("page_url", e.page_url);
  w->Field("event_type", EventTypeName(e.event_type));
}

void AppendEventJson(const Event& e, std::string* out) {
  JsonWriter w(out);
  w.Begin();
  WriteEventFields(e, &w);
  w.End();
}

}  // namespace clickstream
