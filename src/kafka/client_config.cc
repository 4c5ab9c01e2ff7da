#include "kafka/client_config.h"

#include "kafka/kafka_status.h"

namespace clickstream::kafka {

Result<std::unique_ptr<RdKafka::Conf>> MakeConf(const ConfigPairs& pairs) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [key, value] : pairs) {
    if (conf->set(key, value, err) != RdKafka::Conf::CONF_OK) {
      return Status::InvalidArgument("kafka: setting " + key + "=" + value + ": " + err);
    }
  }
  return conf;
}

Status CheckReachable(RdKafka::Handle* handle, const std::string& bootstrap_servers, int timeout_ms) {
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode code = handle->metadata(/*all_topics=*/false, nullptr, &raw, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (code != RdKafka::ERR_NO_ERROR) {
    return Status::Unavailable("cannot reach Kafka at " + bootstrap_servers + " within " +
                               std::to_string(timeout_ms / 1000) + " s (" + RdKafka::err2str(code) +
                               "): start it (make services) or set KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers");
  }
  return Status::OK();
}

Result<int32_t> PartitionCount(RdKafka::Handle* handle, const std::string& topic, int timeout_ms) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(handle, topic, nullptr, err));
  if (!t) return Status::InvalidArgument("kafka: topic " + topic + ": " + err);
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode code = handle->metadata(/*all_topics=*/false, t.get(), &raw, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  RETURN_NOT_OK(FromRdKafka(code, "read the metadata of topic " + topic));
  for (const RdKafka::TopicMetadata* tm : *md->topics()) {
    if (tm->topic() == topic && tm->err() == RdKafka::ERR_NO_ERROR) {
      return static_cast<int32_t>(tm->partitions()->size());
    }
  }
  return 0;
}

}  // namespace clickstream::kafka
