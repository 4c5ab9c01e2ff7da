// ViewOf: the commit protocol's RecordView (protocol/record_view.h) of a librdkafka message.
//
// Thread safety: a function of its argument.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include "protocol/record_view.h"

namespace clickstream::kafka {

// A view of `message`, valid while it lives.
RecordView ViewOf(const RdKafka::Message& message);

}  // namespace clickstream::kafka
