// `clickstream topics`: create the pipeline's topics if they are missing.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "kafka/client_config.h"
#include "kafka/topics.h"

namespace clickstream::cli {
namespace {

struct TopicsFlags {
  kafka::ClientOptions kafka;
  std::string input_topic = "user_activity";
  std::string enriched_topic = "enriched_activity";
  std::string dlq_topic = "user_activity_dlq";
  int partitions = 4;
  int timeout_s = 30;
};

// Creates the topics, then lets the dead-letter and enriched topics hold any record the input topic
// accepts, with what the pipeline adds to it.
Status EnsurePipelineTopics(const TopicsFlags& f) {
  const int timeout_ms = f.timeout_s * 1000;
  CS_RETURN_NOT_OK(kafka::WaitReachable(f.kafka, timeout_ms));
  CS_RETURN_NOT_OK(kafka::EnsureTopics(
      f.kafka, {{f.input_topic, f.partitions}, {f.enriched_topic, f.partitions}, {f.dlq_topic, 1}},
      timeout_ms));
  CS_ASSIGN_OR_RETURN(const int64_t input_bytes, kafka::MaxMessageBytes(f.kafka, f.input_topic, timeout_ms));
  for (const std::string& output : {f.dlq_topic, f.enriched_topic}) {
    CS_RETURN_NOT_OK(kafka::RaiseMaxMessageBytes(f.kafka, output, kafka::OutputMaxMessageBytes(input_bytes),
                                                 timeout_ms));
  }
  return Status::OK();
}

void CreateTopics(const TopicsFlags& f) {
  const Status status = EnsurePipelineTopics(f);
  if (!status.ok()) {
    std::fprintf(stderr, "clickstream topics: %s\n", status.message().c_str());
    throw CLI::RuntimeError(status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitUnavailable);
  }
  std::printf("topics ready: %s (%d partitions), %s, %s\n", f.input_topic.c_str(), f.partitions,
              f.enriched_topic.c_str(), f.dlq_topic.c_str());
}

}  // namespace

void RegisterTopicsCommand(CLI::App& app) {
  auto flags = std::make_shared<TopicsFlags>();
  CLI::App* cmd = AddCommand(app, "topics", "Create the input, enriched and dead-letter topics if missing",
                             "Every flag: docs/configuration.md; partitions and scaling: docs/scaling.md");
  AddLogLevelFlag(cmd);
  AddKafkaClientFlags(cmd, &flags->kafka);
  AddPipelineTopicFlags(cmd, &flags->input_topic, &flags->enriched_topic, &flags->dlq_topic);
  cmd->add_option("--partitions", flags->partitions, "Partitions of the input and enriched topics")
      ->check(Positive())
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->add_option("--timeout", flags->timeout_s, "Seconds to wait for the broker")
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->callback([flags] { CreateTopics(*flags); });
}

}  // namespace clickstream::cli
