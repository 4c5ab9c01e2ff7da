#include "service/kafka_record_source.h"

#include <memory>
#include <string>
#include <vector>

#include "kafka/kafka_status.h"

namespace clickstream {

std::set<int32_t> KafkaRecordSource::Assigned() {
  std::set<int32_t> out;
  std::vector<RdKafka::TopicPartition*> tps;
  if (consumer_->assignment_lost() || consumer_->assignment(tps) != RdKafka::ERR_NO_ERROR) return out;
  for (const RdKafka::TopicPartition* tp : tps) out.insert(tp->partition());
  RdKafka::TopicPartition::destroy(tps);
  return out;
}

Result<Offset> KafkaRecordSource::Committed(Partition partition) {
  std::vector<RdKafka::TopicPartition*> tp = {RdKafka::TopicPartition::create(topic_, partition.id())};
  const RdKafka::ErrorCode code = consumer_->committed(tp, timeout_ms_);
  const int64_t committed = tp[0]->offset();
  RdKafka::TopicPartition::destroy(tp);
  CS_RETURN_NOT_OK(kafka::FromRdKafka(code, "read committed offsets"));
  return Offset(committed >= 0 ? committed : 0);
}

Status KafkaRecordSource::Seek(Partition partition, Offset next) {
  std::unique_ptr<RdKafka::TopicPartition> tp(RdKafka::TopicPartition::create(
      topic_, partition.id(), next.value() > 0 ? next.value() : RdKafka::Topic::OFFSET_BEGINNING));
  return kafka::FromRdKafka(consumer_->seek(*tp, timeout_ms_),
                            "seek on partition " + std::to_string(partition.id()));
}

Status KafkaRecordSource::SetPaused(Partition partition, bool paused) {
  std::vector<RdKafka::TopicPartition*> tp = {RdKafka::TopicPartition::create(topic_, partition.id())};
  // Pausing drops the records already fetched; resuming fetches again after the last one consumed.
  RdKafka::ErrorCode code = paused ? consumer_->pause(tp) : consumer_->resume(tp);
  // The call's own code covers the request; the partition's says whether it applied to that partition.
  if (code == RdKafka::ERR_NO_ERROR) code = tp[0]->err();
  RdKafka::TopicPartition::destroy(tp);
  return kafka::FromRdKafka(
      code, std::string(paused ? "pause" : "resume") + " partition " + std::to_string(partition.id()));
}

}  // namespace clickstream
