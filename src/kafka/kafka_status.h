// Conversion of librdkafka errors into our Status at the adapter's edge.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <string_view>

#include "common/status.h"

namespace clickstream::kafka {

// `what` says what was attempted ("create producer", "produce to user_activity"); the message adds
// librdkafka's own text. Broker and transport errors map to kUnavailable, the rest to kInvalidArgument
// or kInternal.
Status FromRdKafka(RdKafka::ErrorCode code, std::string_view what);

}  // namespace clickstream::kafka
