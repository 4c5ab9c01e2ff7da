#include "kafka/topics.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>

#include "kafka/kafka_status.h"
#include "protocol/backoff.h"

namespace clickstream::kafka {
namespace {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

// The options of one admin request of kind `op`, answered within `timeout_ms`. The request copies them,
// so they may go as soon as it is sent.
std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> AdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                                                      int timeout_ms) {
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> options(rd_kafka_AdminOptions_new(rk, op));
  char err[512];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, err, sizeof err);
  return options;
}

// The per-topic results of a CreateTopics or DeleteTopics answer.
using TopicResultsOf = const rd_kafka_topic_result_t** (*)(rd_kafka_event_t* event, size_t* n);

const rd_kafka_topic_result_t** CreatedTopics(rd_kafka_event_t* event, size_t* n) {
  return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), n);
}

const rd_kafka_topic_result_t** DeletedTopics(rd_kafka_event_t* event, size_t* n) {
  return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), n);
}

// Waits for the answer to a CreateTopics or DeleteTopics request on `queue` (`verb` names it in errors):
// the first topic error other than `ignored`, if any.
Status TopicResults(rd_kafka_queue_t* queue, int timeout_ms, const std::string& verb,
                    TopicResultsOf results_of, rd_kafka_resp_err_t ignored) {
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout_ms + 1000);
  if (event == nullptr) return Status::Unavailable("kafka: no answer to " + verb + " topics");
  Status status;
  if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = Status(ClassOf(static_cast<RdKafka::ErrorCode>(rd_kafka_event_error(event))),
                    "kafka: " + verb + " topics: " + rd_kafka_event_error_string(event));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results = results_of(event, &n);
    for (size_t i = 0; i < n && status.ok(); ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != ignored) {
        status = FromRdKafka(static_cast<RdKafka::ErrorCode>(e),
                             verb + " topic " + rd_kafka_topic_result_name(results[i]));
      }
    }
  }
  rd_kafka_event_destroy(event);
  return status;
}

// One CreateTopics round trip. Returns the first error other than "already exists".
Status CreateOnce(rd_kafka_t* rk, const std::vector<TopicSpec>& topics, int timeout_ms) {
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  char err[512];
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (nt == nullptr) {
      for (auto* p : new_topics) rd_kafka_NewTopic_destroy(p);
      return Status::InvalidArgument("kafka: topic " + t.name + ": " + err);
    }
    new_topics.push_back(nt);
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(),
                        AdminOptions(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms).get(), queue.get());
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
  return TopicResults(queue.get(), timeout_ms, "create", CreatedTopics,
                      RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
}

// One DeleteTopics round trip. Topics that do not exist are not an error.
Status DeleteOnce(rd_kafka_t* rk, const std::vector<std::string>& names, int timeout_ms) {
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (const auto& name : names) topics.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  rd_kafka_DeleteTopics(rk, topics.data(), topics.size(),
                        AdminOptions(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_ms).get(), queue.get());
  rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size());
  return TopicResults(queue.get(), timeout_ms, "delete", DeletedTopics,
                      RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
}

Result<std::unique_ptr<rd_kafka_t, KafkaDeleter>> NewAdminClient(const ClientOptions& client) {
  // Retries while the broker starts are expected: warnings and worse only.
  CS_ASSIGN_OR_RETURN(auto conf, MakeConf(client, {{"log_level", "3"}}));
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_dup(conf->c_ptr_global());
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk(rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err));
  if (!rk) {
    rd_kafka_conf_destroy(c);
    return Status::InvalidArgument(std::string("kafka: create admin client: ") + err);
  }
  return rk;
}

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
struct ResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};
using ResourcePtr = std::unique_ptr<rd_kafka_ConfigResource_t, ResourceDeleter>;

// Runs one DescribeConfigs or AlterConfigs request for `resource` and waits for its result event.
Result<EventPtr> ConfigRequest(rd_kafka_t* rk, rd_kafka_admin_op_t op, rd_kafka_ConfigResource_t* resource,
                               int timeout_ms) {
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  const auto options = AdminOptions(rk, op, timeout_ms);
  if (op == RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS) {
    rd_kafka_DescribeConfigs(rk, &resource, 1, options.get(), queue.get());
  } else {
    rd_kafka_AlterConfigs(rk, &resource, 1, options.get(), queue.get());
  }
  EventPtr event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (!event) return Status::Unavailable("kafka: no answer to a topic configuration request");
  if (const rd_kafka_resp_err_t e = rd_kafka_event_error(event.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status(ClassOf(static_cast<RdKafka::ErrorCode>(e)),
                  std::string("kafka: topic configuration: ") + rd_kafka_event_error_string(event.get()));
  }
  return event;
}

// The one resource of a DescribeConfigs/AlterConfigs result, or its error.
Result<const rd_kafka_ConfigResource_t*> OnlyResource(const rd_kafka_ConfigResource_t** resources, size_t n,
                                                      const std::string& topic) {
  if (n != 1) return Status::Unavailable("kafka: topic configuration of " + topic + ": no answer");
  if (const rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[0]); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Status st = FromRdKafka(static_cast<RdKafka::ErrorCode>(e), "topic configuration of " + topic);
    return Status(st.code(), st.message() + " (" + rd_kafka_ConfigResource_error_string(resources[0]) + ")");
  }
  return resources[0];
}

constexpr const char* kMaxMessageBytes = "max.message.bytes";

// The topic's configuration entries (name -> value) that `keep` selects.
Result<std::map<std::string, std::string>> DescribeTopic(rd_kafka_t* rk, const std::string& topic,
                                                         int timeout_ms,
                                                         bool (*keep)(const rd_kafka_ConfigEntry_t*)) {
  ResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  CS_ASSIGN_OR_RETURN(EventPtr event,
                      ConfigRequest(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, resource.get(), timeout_ms));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &n);
  CS_ASSIGN_OR_RETURN(const rd_kafka_ConfigResource_t* described, OnlyResource(resources, n, topic));
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(described, &count);
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < count; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    if (value != nullptr && keep(entries[i])) out[rd_kafka_ConfigEntry_name(entries[i])] = value;
  }
  return out;
}

}  // namespace

Status EnsureTopics(const ClientOptions& client, const std::vector<TopicSpec>& topics, int timeout_ms) {
  CS_ASSIGN_OR_RETURN(auto rk, NewAdminClient(client));
  Backoff backoff(RetryPolicy{.initial = std::chrono::milliseconds(250),
                              .max = std::chrono::seconds(2),
                              .deadline = std::chrono::milliseconds(timeout_ms)});
  backoff.Start(std::chrono::steady_clock::now());
  Status status;
  for (;;) {
    status = CreateOnce(rk.get(), topics, 5000);
    // A refusal (an ACL, a create-topic policy) or a bad request is final: retrying cannot change it.
    if (status.ok() || !status.retryable()) return status;
    const std::optional<std::chrono::milliseconds> wait = backoff.Failed();
    if (!wait) break;
    std::this_thread::sleep_for(*wait);
  }
  return Status::Unavailable("cannot create topics on Kafka at " + client.bootstrap_servers + ": " +
                             status.message());
}

Status DeleteTopics(const ClientOptions& client, const std::vector<std::string>& names, int timeout_ms) {
  CS_ASSIGN_OR_RETURN(auto rk, NewAdminClient(client));
  const Status status = DeleteOnce(rk.get(), names, timeout_ms);
  if (status.ok()) return status;
  return Status::Unavailable("cannot delete topics on Kafka at " + client.bootstrap_servers + ": " +
                             status.message());
}

Result<int64_t> MaxMessageBytes(const ClientOptions& client, const std::string& topic, int timeout_ms) {
  CS_ASSIGN_OR_RETURN(auto rk, NewAdminClient(client));
  CS_ASSIGN_OR_RETURN(auto config,
                      DescribeTopic(rk.get(), topic, timeout_ms, [](const rd_kafka_ConfigEntry_t* e) {
                        return std::string_view(rd_kafka_ConfigEntry_name(e)) == kMaxMessageBytes;
                      }));
  const auto it = config.find(kMaxMessageBytes);
  if (it == config.end())
    return Status::Unavailable("kafka: topic " + topic + " reports no " + kMaxMessageBytes);
  return std::stoll(it->second);
}

int64_t OutputMaxMessageBytes(int64_t input_bytes) {
  // A record stored within the input's limit may grow a little when our producer compresses it on its
  // own, plus the reason/source headers or the enriched members (bounded well under 64 KiB).
  return input_bytes + input_bytes / 64 + 64 * 1024;
}

Status RaiseMaxMessageBytes(const ClientOptions& client, const std::string& topic, int64_t bytes,
                            int timeout_ms) {
  CS_ASSIGN_OR_RETURN(auto rk, NewAdminClient(client));
  // The config entries set on the topic itself (not inherited): AlterConfigs replaces them all.
  CS_ASSIGN_OR_RETURN(
      auto own, DescribeTopic(rk.get(), topic, timeout_ms, [](const rd_kafka_ConfigEntry_t* e) {
        return rd_kafka_ConfigEntry_source(e) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG ||
               std::string_view(rd_kafka_ConfigEntry_name(e)) == kMaxMessageBytes;
      }));
  if (std::stoll(own[kMaxMessageBytes]) >= bytes) return Status::OK();
  own[kMaxMessageBytes] = std::to_string(bytes);
  ResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  for (const auto& [name, value] : own)
    rd_kafka_ConfigResource_set_config(resource.get(), name.c_str(), value.c_str());
  CS_ASSIGN_OR_RETURN(EventPtr event,
                      ConfigRequest(rk.get(), RD_KAFKA_ADMIN_OP_ALTERCONFIGS, resource.get(), timeout_ms));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event.get()), &n);
  return OnlyResource(resources, n, topic).status();
}

}  // namespace clickstream::kafka
