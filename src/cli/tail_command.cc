// `clickstream tail`: print a topic's records as they arrive (read_committed), headers included, so a
// user can watch enriched_activity or the dead-letter topic without Kafka's own shell tools.
#include <librdkafka/rdkafkacpp.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/stop_signal.h"
#include "kafka/client_config.h"

namespace clickstream::cli {
namespace {

struct TailFlags {
  kafka::ClientOptions kafka;
  std::string topic = "enriched_activity";
  bool from_beginning = false;
  int64_t max_records = 0;
};

[[noreturn]] void Fail(const Status& status, int code) {
  std::fprintf(stderr, "clickstream tail: %s\n", status.message().c_str());
  throw CLI::RuntimeError(code);
}

void Tail(const TailFlags& f) {
  auto conf = kafka::MakeConf(f.kafka, {{"group.id", "clickstream-tail"},
                                        {"enable.auto.commit", "false"},
                                        {"auto.offset.reset", f.from_beginning ? "earliest" : "latest"},
                                        {"isolation.level", "read_committed"},
                                        {"log_level", kafka::kReportedLogLevel}});
  if (!conf.ok()) Fail(conf.status(), kExitUsage);
  std::string err;
  kafka::ErrorReporter errors("tail", /*print=*/false);
  (*conf)->set("event_cb", static_cast<RdKafka::EventCb*>(&errors), err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf->get(), err));
  if (!consumer) Fail(Status::InvalidArgument("kafka: " + err), kExitUsage);
  const Status reachable = kafka::CheckReachable(consumer.get(), f.kafka.bootstrap_servers, 10000, &errors);
  if (!reachable.ok()) Fail(reachable, kExitUnavailable);
  consumer->subscribe({f.topic});
  int64_t printed = 0;
  while (!StopRequested() && (f.max_records == 0 || printed < f.max_records)) {
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(200));
    if (msg->err() != RdKafka::ERR_NO_ERROR) continue;
    std::string headers;
    if (RdKafka::Headers* h = msg->headers()) {
      for (const auto& header : h->get_all()) {
        headers += " " + header.key() + "=" +
                   std::string(static_cast<const char*>(header.value()), header.value_size());
      }
    }
    std::printf("p%d@%lld key=%s%s %.*s\n", msg->partition(), static_cast<long long>(msg->offset()),
                msg->key() ? msg->key()->c_str() : "", headers.c_str(), static_cast<int>(msg->len()),
                static_cast<const char*>(msg->payload()));
    std::fflush(stdout);
    ++printed;
  }
  consumer->close();
}

}  // namespace

void RegisterTailCommand(CLI::App& app) {
  auto f = std::make_shared<TailFlags>();
  CLI::App* cmd = AddCommand(app, "tail", "Print a topic's committed records as they arrive",
                             "Every flag: docs/configuration.md; the dead-letter topic: docs/semantics.md");
  AddLogLevelFlag(cmd);
  AddKafkaClientFlags(cmd, &f->kafka);
  cmd->add_option("--topic", f->topic, "Topic to read")->capture_default_str()->group(kGroupKafka);
  cmd->add_flag("--from-beginning", f->from_beginning, "Start at the oldest record instead of new ones")
      ->group(kGroupKafka);
  cmd->add_option("--max", f->max_records, "Stop after this many records; 0 = until Ctrl-C")
      ->check(NonNegative())
      ->group(kGroupKafka);
  cmd->callback([f] { Tail(*f); });
}

}  // namespace clickstream::cli
