#include "kafka/topics.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <thread>

namespace clickstream::kafka {
namespace {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};

// One CreateTopics round trip. Returns the first error other than "already exists".
Status CreateOnce(rd_kafka_t* rk, const std::vector<TopicSpec>& topics, int timeout_ms) {
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  char err[512];
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (nt == nullptr) {
      for (auto* p : new_topics) rd_kafka_NewTopic_destroy(p);
      return Status::InvalidArgument("kafka: topic " + t.name + ": " + err);
    }
    new_topics.push_back(nt);
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, err, sizeof err);
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());

  rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), timeout_ms + 1000);
  if (event == nullptr) return Status::Unavailable("kafka: no answer to CreateTopics");
  Status status;
  if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = Status::Unavailable(std::string("kafka: CreateTopics: ") + rd_kafka_event_error_string(event));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
    for (size_t i = 0; i < n && status.ok(); ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        status = Status::Unavailable(std::string("kafka: create topic ") + rd_kafka_topic_result_name(results[i]) +
                                     ": " + rd_kafka_err2str(e));
      }
    }
  }
  rd_kafka_event_destroy(event);
  return status;
}

}  // namespace

Status EnsureTopics(const std::string& bootstrap_servers, const std::vector<TopicSpec>& topics, int timeout_ms) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_servers.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka: bootstrap.servers: ") + err);
  }
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);  // the retries below are expected while starting
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
  if (!rk) return Status::Internal(std::string("kafka: create admin client: ") + err);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Status status;
  do {
    status = CreateOnce(rk.get(), topics, 5000);
    if (status.ok()) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  } while (std::chrono::steady_clock::now() < deadline);
  return Status::Unavailable("cannot create topics on Kafka at " + bootstrap_servers + ": " + status.message());
}

}  // namespace clickstream::kafka
