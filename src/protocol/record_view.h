// RecordView: a record as read from the input topic, everything a dead letter copies unchanged: key and
// value (a null one stays null, so a tombstone stays a tombstone), headers and timestamp. Key and value
// refer to the message read (valid while it lives); the headers are copies. The Kafka adapter makes one of
// a librdkafka message (kafka::ViewOf), so that code forwarding records (PartitionTransaction and its
// fakes) needs no client. AddedHeader: a header a dead letter carries beside the original's.
//
// Thread safety: values; immutable once made.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clickstream {

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

struct AddedHeader {
  std::string name;
  std::string value;
};

}  // namespace clickstream
