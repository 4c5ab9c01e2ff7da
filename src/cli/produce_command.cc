// `clickstream produce`: synthetic website traffic into Kafka (SPEC.md section 7).
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "cli/command.h"
#include "cli/stop_signal.h"
#include "common/log.h"
#include "common/wall_clock.h"
#include "format/event_avro.h"
#include "format/event_json.h"
#include "kafka/client_config.h"
#include "kafka/kafka_status.h"
#include "producer/traffic.h"

namespace clickstream::cli {
namespace {

struct ProduceFlags {
  kafka::ClientOptions kafka;
  std::string topic = "user_activity";
  int64_t num_events = 0;
  double interval_s = 0.1;
  double rate = 0;
  bool no_late_data = false;
  TrafficOptions traffic;
  std::string format = "json";  // or "avro": the Confluent wire format, its schema registered in `registry`
  SchemaRegistryOptions registry;
  int connect_timeout_s = 10;
  double status_interval_s = 1;
};

// Counts delivery outcomes; librdkafka calls it from poll()/flush() on the producing thread.
class DeliveryCounter : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      delivered_.fetch_add(1, std::memory_order_relaxed);
    } else if (failed_.fetch_add(1, std::memory_order_relaxed) == 0) {
      first_error_ = message.errstr();
    }
  }
  int64_t delivered() const { return delivered_.load(); }
  int64_t failed() const { return failed_.load(); }
  const std::string& first_error() const { return first_error_; }

 private:
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> failed_{0};
  std::string first_error_;
};

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

[[noreturn]] void Fail(const Status& status, int exit_code) {
  std::fprintf(stderr, "clickstream produce: %s\n", status.message().c_str());
  throw CLI::RuntimeError(exit_code);
}

void Produce(const ProduceFlags& flags) {
  DeliveryCounter counter;
  auto conf = kafka::MakeConf(flags.kafka, {
                                               {"enable.idempotence", "true"},
                                               {"linger.ms", "5"},
                                               {"batch.num.messages", "10000"},
                                               {"compression.type", "lz4"},
                                               {"queue.buffering.max.messages", "500000"},
                                               {"message.timeout.ms", "30000"},
                                               {"log_level", kafka::kReportedLogLevel},  // failures are reported once, by us
                                           });
  if (!conf.ok()) Fail(conf.status(), kExitUsage);
  std::string err;
  (*conf)->set("dr_cb", &counter, err);
  kafka::ErrorReporter errors("produce", /*print=*/false);
  (*conf)->set("event_cb", static_cast<RdKafka::EventCb*>(&errors), err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), err));
  if (!producer) Fail(Status::InvalidArgument("kafka: " + err), kExitUsage);
  Status reachable = kafka::CheckReachable(producer.get(), flags.kafka.bootstrap_servers,
                                           flags.connect_timeout_s * 1000, &errors);
  if (!reachable.ok()) Fail(reachable, kExitUnavailable);

  std::unique_ptr<EventAvroWriter> avro;
  if (flags.format == "avro") {
    auto registry = SchemaRegistry::Open(flags.registry);
    if (!registry.ok()) Fail(registry.status(), kExitUsage);
    const Result<uint32_t> id = (*registry)->Register(flags.topic + "-value", kEventAvroSchema);
    if (!id.ok()) Fail(id.status(), kExitUnavailable);
    auto writer = EventAvroWriter::Create(*id);
    if (!writer.ok()) Fail(writer.status(), kExitInternal);
    avro = std::move(*writer);
    log::Info("produce", "writing Avro, schema id {} (subject {}-value)", *id, flags.topic);
  }

  TrafficOptions traffic = flags.traffic;
  if (flags.no_late_data) traffic.late_every = 0;
  TrafficGenerator generator(traffic);
  const double rate = flags.rate > 0 ? flags.rate : (flags.interval_s > 0 ? 1.0 / flags.interval_s : 0);

  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  int64_t produced = 0, late = 0;
  std::string value;
  const auto summary = [&] {
    const double secs = SecondsSince(start);
    return fmt::format(
        "produced {} events to {} in {:.1f} s ({:.0f} events/s), {} late, {} delivered, {} "
        "delivery errors",
        produced, flags.topic, secs, produced / std::max(secs, 1e-9), late, counter.delivered(),
        counter.failed());
  };
  while (!StopRequested() && (flags.num_events == 0 || produced < flags.num_events)) {
    // Pace by the total elapsed time, so the average rate holds even when single sleeps overshoot.
    if (rate > 0) {
      const double due = produced / rate;
      const double ahead = due - SecondsSince(start);
      if (ahead > 0.0005) std::this_thread::sleep_for(std::chrono::duration<double>(ahead));
    }
    bool is_late = false;
    const Event& event = generator.Next(WallClockNow(), &is_late);
    value.clear();
    if (avro) {
      avro->Append(event, &value);
    } else {
      AppendEventJson(event, &value);
    }
    for (;;) {
      const RdKafka::ErrorCode code = producer->produce(
          flags.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, value.data(),
          value.size(), event.user_id.data(), event.user_id.size(), 0, nullptr);
      if (code == RdKafka::ERR_NO_ERROR) break;
      if (code != RdKafka::ERR__QUEUE_FULL)
        Fail(kafka::FromRdKafka(code, "produce to " + flags.topic), kExitUnavailable);
      producer->poll(10);  // the local queue is full: let deliveries drain it
    }
    ++produced;
    late += is_late;
    producer->poll(0);
    if (flags.status_interval_s > 0 && SecondsSince(last_report) >= flags.status_interval_s) {
      last_report = std::chrono::steady_clock::now();
      log::Info("produce", "{}", summary());
    }
  }
  const auto flush_start = std::chrono::steady_clock::now();
  while (producer->outq_len() > 0 && SecondsSince(flush_start) < 30) producer->flush(1000);
  // The command's result: output, not a diagnostic.
  std::fprintf(stderr, "done: %s\n", summary().c_str());
  if (counter.failed() > 0 || producer->outq_len() > 0) {
    Fail(Status::Unavailable(std::to_string(counter.failed() + producer->outq_len()) +
                             " events were not delivered (first error: " + counter.first_error() +
                             "): check that Kafka at " + flags.kafka.bootstrap_servers + " is up"),
         kExitUnavailable);
  }
}

}  // namespace

void RegisterProduceCommand(CLI::App& app) {
  auto flags = std::make_shared<ProduceFlags>();
  CLI::App* cmd = AddCommand(app, "produce", "Generate website activity events into Kafka",
                             "Every flag: docs/configuration.md; Avro records: docs/avro.md");
  AddLogLevelFlag(cmd);
  AddKafkaClientFlags(cmd, &flags->kafka);
  cmd->add_option("--topic", flags->topic, "Topic to write to")
      ->envname("KAFKA_TOPIC")
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->add_option("--format", flags->format, "Record encoding: json, or avro (needs --schema-registry)")
      ->check(CLI::IsMember({"json", "avro"}))
      ->capture_default_str()
      ->group(kGroupAvro);
  AddSchemaRegistryFlags(cmd, &flags->registry);
  cmd->add_option("--num-events", flags->num_events, "Events to produce; 0 = until Ctrl-C")
      ->check(NonNegative())
      ->capture_default_str()
      ->group(kGroupTraffic);
  cmd->add_option("--interval", flags->interval_s, "Seconds between events (ignored with --rate)")
      ->check(NonNegative())
      ->capture_default_str()
      ->group(kGroupTraffic);
  cmd->add_option("--rate", flags->rate, "Events per second for load tests; overrides --interval")
      ->check(NonNegative())
      ->group(kGroupTraffic);
  cmd->add_option("--users", flags->traffic.users, "Distinct users user_1..user_N")
      ->check(Positive())
      ->capture_default_str()
      ->group(kGroupTraffic);
  cmd->add_flag("--no-late-data", flags->no_late_data, "Do not stamp every 50th event in the past (late)")
      ->group(kGroupTraffic);
  cmd->add_option_function<std::string>(
         "--late-by",
         [flags](const std::string& text) {
           const Result<Duration> parsed = ParseWholeSeconds(text);
           if (!parsed.ok()) throw CLI::ValidationError("--late-by", parsed.status().message());
           flags->traffic.late_by = *parsed;
         },
         "How far back late events are stamped: beyond --watermark-delay")
      ->type_name("DURATION")
      ->envname("LATE_BY")
      ->default_str(FormatWholeSeconds(flags->traffic.late_by))
      ->group(kGroupTraffic);
  cmd->add_flag("--sessions", flags->traffic.sessions, "Users walk sessions: start, views and clicks, end")
      ->group(kGroupTraffic);
  cmd->add_option("--seed", flags->traffic.seed, "Seed of the random traffic")
      ->capture_default_str()
      ->group(kGroupTraffic);
  cmd->add_option("--connect-timeout", flags->connect_timeout_s, "Seconds to wait for Kafka at start")
      ->check(Positive())
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->add_option("--status-interval", flags->status_interval_s, "Seconds between progress lines; 0 = none")
      ->check(NonNegative())
      ->capture_default_str()
      ->group(kGroupLogging);
  cmd->callback([flags] { Produce(*flags); });
}

}  // namespace clickstream::cli
