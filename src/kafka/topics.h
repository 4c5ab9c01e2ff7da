// Creating the pipeline's topics (Kafka admin API).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace clickstream::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
};

// Creates each topic that does not exist yet; existing topics are left as they are (their partition
// count is not changed). Waits up to `timeout_ms` for the cluster to answer, retrying while it starts.
Status EnsureTopics(const std::string& bootstrap_servers, const std::vector<TopicSpec>& topics, int timeout_ms);

}  // namespace clickstream::kafka
