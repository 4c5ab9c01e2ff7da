// Creating the pipeline's topics, and deleting the benchmark's (Kafka admin API).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/client_config.h"

namespace clickstream::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
};

// Creates each topic that does not exist yet; existing topics are left as they are (their partition
// count is not changed). Waits up to `timeout_ms` for the cluster to answer, retrying while it starts.
// A refusal (kRefused: an ACL, a create-topic policy, naming what to grant) or a bad request is returned
// at once.
Status EnsureTopics(const ClientOptions& client, const std::vector<TopicSpec>& topics, int timeout_ms);

// Deletes the topics and their records; a topic that does not exist is not an error. One request, waited
// for up to `timeout_ms`.
Status DeleteTopics(const ClientOptions& client, const std::vector<std::string>& names, int timeout_ms);

// The largest record batch `topic` accepts (its `max.message.bytes`, or the broker's default). Errors:
// kInvalidArgument when the topic does not exist; the class of the Kafka error otherwise.
Result<int64_t> MaxMessageBytes(const ClientOptions& client, const std::string& topic, int timeout_ms);

// What the dead-letter and enriched topics must accept so that any record of an input topic accepting
// `input_bytes` fits, with the headers and members the pipeline adds and the framing of a batch of its own.
int64_t OutputMaxMessageBytes(int64_t input_bytes);

// Raises `topic`'s `max.message.bytes` to `bytes` if it is lower; its other settings are kept.
Status RaiseMaxMessageBytes(const ClientOptions& client, const std::string& topic, int64_t bytes,
                            int timeout_ms);

}  // namespace clickstream::kafka
