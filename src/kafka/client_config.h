// Building librdkafka configurations from key/value pairs, with errors as Status.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace clickstream::kafka {

using ConfigPairs = std::vector<std::pair<std::string, std::string>>;

// A global configuration with every pair set; an unknown key or bad value names the key.
Result<std::unique_ptr<RdKafka::Conf>> MakeConf(const ConfigPairs& pairs);

// Asks the cluster for metadata within `timeout_ms`, so a wrong or unreachable address fails fast with
// a one-line error that names it instead of librdkafka retrying forever in the background.
Status CheckReachable(RdKafka::Handle* handle, const std::string& bootstrap_servers, int timeout_ms);

// The number of partitions of `topic`; 0 if it does not exist.
Result<int32_t> PartitionCount(RdKafka::Handle* handle, const std::string& topic, int timeout_ms);

}  // namespace clickstream::kafka
