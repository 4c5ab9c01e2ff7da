// RecordView: a record as read from a topic, everything a dead letter copies unchanged: key and value (a
// null one stays null, so a tombstone stays a tombstone), headers and timestamp. Key and value refer to
// the message read (valid while it lives); the headers are copies. Our own type, so that code forwarding
// records (PartitionTransaction and its fakes) needs no librdkafka message.
//
// Thread safety: a value; immutable once made.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clickstream::kafka {

struct RecordView {
  struct Header {
    std::string name;
    std::optional<std::string> value;  // nullopt: a null value
  };

  std::optional<std::string_view> key;    // nullopt: a null key
  std::optional<std::string_view> value;  // nullopt: a null value
  std::vector<Header> headers;
  std::optional<int64_t> timestamp_ms;  // nullopt: none
};

// A view of `message`, valid while it lives.
RecordView ViewOf(const RdKafka::Message& message);

}  // namespace clickstream::kafka
