// KafkaRecordSource: RecordSource on the pipeline's librdkafka consumer of the input topic.
//
// Thread safety: the consuming thread's (the rebalance callback included). Does not own the consumer.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <string>

#include "protocol/record_source.h"

namespace clickstream {

class KafkaRecordSource final : public RecordSource {
 public:
  KafkaRecordSource(RdKafka::KafkaConsumer* consumer, std::string topic, int timeout_ms)
      : consumer_(consumer), topic_(std::move(topic)), timeout_ms_(timeout_ms) {}

  std::set<int32_t> Assigned() override;
  bool AssignmentLost() override { return consumer_->assignment_lost(); }
  Result<Offset> Committed(Partition partition) override;
  Status Seek(Partition partition, Offset next) override;
  Status SetPaused(Partition partition, bool paused) override;

 private:
  RdKafka::KafkaConsumer* consumer_;
  std::string topic_;
  int timeout_ms_;
};

}  // namespace clickstream
