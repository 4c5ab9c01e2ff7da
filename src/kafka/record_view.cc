#include "kafka/record_view.h"

namespace clickstream::kafka {

RecordView ViewOf(const RdKafka::Message& message) {
  RecordView view;
  if (message.key_pointer() != nullptr) {
    view.key.emplace(static_cast<const char*>(message.key_pointer()), message.key_len());
  }
  if (message.payload() != nullptr) {
    view.value.emplace(static_cast<const char*>(message.payload()), message.len());
  }
  // headers() is not const in librdkafka's C++ API, though it only reads.
  if (RdKafka::Headers* headers = const_cast<RdKafka::Message&>(message).headers()) {
    for (const RdKafka::Headers::Header& h : headers->get_all()) {
      RecordView::Header& header = view.headers.emplace_back();
      header.name = h.key();
      if (h.value() != nullptr) header.value.emplace(static_cast<const char*>(h.value()), h.value_size());
    }
  }
  const RdKafka::MessageTimestamp ts = message.timestamp();
  if (ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) view.timestamp_ms = ts.timestamp;
  return view;
}

}  // namespace clickstream::kafka
