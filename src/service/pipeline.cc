#include "service/pipeline.h"

#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "engine/parser.h"
#include "kafka/client_config.h"
#include "kafka/error_reporter.h"
#include "kafka/kafka_status.h"
#include "kafka/record_view.h"
#include "kafka/topics.h"
#include "lake/lake_writer.h"
#include "postgres/results_sink.h"
#include "protocol/backoff.h"
#include "protocol/commit_cadence.h"
#include "protocol/outage_tracker.h"
#include "protocol/partition_set.h"
#include "protocol/postgres_retry.h"
#include "registry/avro_input.h"
#include "service/kafka_partition_transactions.h"
#include "service/kafka_record_source.h"
#include "service/lake_writer_store.h"
#include "service/postgres_result_store.h"

namespace clickstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Consumption goes on while a commit is written, but not for longer than this: when PostgreSQL is slow
// or away, the process stops reading instead of buffering without bound (and the open Kafka
// transactions stay far from the broker's transaction timeout).
constexpr auto kMaxCommitOverlap = std::chrono::seconds(2);
// Default record size limits: librdkafka's message.max.bytes (the floor of ours) and the broker's.
constexpr int64_t kLibrdkafkaMessageMaxBytes = 1'000'000;
constexpr int64_t kKafkaMaxMessageBytes = 1'048'588;
// After a stop request, PostgreSQL has this long to take the last commit; then the process gives up on
// it (a restart re-reads what was not committed), so that a stop during an outage ends in bounded time.
constexpr auto kStopGrace = std::chrono::seconds(8);
// Claims that failed for a reason that may pass (a broker away) are retried for about 30 s.
constexpr RetryPolicy kClaimRetry{.initial = std::chrono::milliseconds(500),
                                  .max = std::chrono::seconds(5),
                                  .deadline = std::chrono::seconds(30)};
// The broker's answer for a partition's end offset at its assignment is awaited this long; it only
// serves the lag reported, so an assignment does not wait longer for a broker that went away.
constexpr int kEndQueryTimeoutMs = 2000;

// How long before `now` the record was written (its Kafka timestamp); 0 when it has none.
std::chrono::milliseconds RecordAge(const RdKafka::Message& msg, EventTime now) {
  const RdKafka::MessageTimestamp ts = msg.timestamp();
  if (ts.type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) return {};
  return std::chrono::milliseconds(now.micros() / 1000 - ts.timestamp);
}

// The component of this file's log lines.
constexpr std::string_view kLog = "run";

// An event further than `max_future` ahead of its record's timestamp is rejected like an invalid record.
void RejectFuture(const RdKafka::Message& msg, Duration max_future, ParseOutcome* outcome) {
  const RdKafka::MessageTimestamp ts = msg.timestamp();
  if (!outcome->ok() || ts.type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) return;
  std::optional<Rejection> rejection =
      CheckFutureEventTime(outcome->event().event_time, ts.timestamp, max_future);
  if (rejection) *outcome = std::move(*rejection);
}

// Names this thread's lake files in progress: unique per host, process and thread, so that two owners
// of a partition during a rebalance never write the same file, even on a lake shared by several hosts.
std::string LakeWriterId(int thread) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string id;
  for (const char* c = host; *c != '\0' && id.size() < 32; ++c) {
    if (std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' || *c == '_') id += *c;
  }
  return (id.empty() ? "w" : id) + "-" + std::to_string(::getpid()) + "-" + std::to_string(thread);
}

// Gives up `partitions`: those revoked with cooperative rebalancing, all with eager rebalancing.
Status Unassign(RdKafka::KafkaConsumer* consumer, std::vector<RdKafka::TopicPartition*>& partitions,
                bool incremental) {
  return incremental ? kafka::FromError(consumer->incremental_unassign(partitions), "unassign")
                     : kafka::FromRdKafka(consumer->unassign(), "unassign");
}

}  // namespace

class Pipeline::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(const PipelineOptions& options, int thread, PipelineProbe* probe)
      : options_(options),
        thread_(thread),
        probe_(probe),
        retry_(probe, [this] { return GivingUp(); }),
        registry_outage_(Server::kRegistry, probe, {.report_every = {}, .recovered = "answers again"}) {
    options_.db.interrupted = [this] { return GivingUp(); };
  }

  Status Connect();
  Status Run(const std::function<bool()>& stop);

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;

 private:
  using Owned = PartitionSet::Owned;

  // The largest record the producers must send: a dead letter of the input's largest record, or its
  // enriched copy (every member as sent, plus processing_time and is_late). Creates the dead-letter topic
  // if missing and raises its and the enriched topic's max.message.bytes to hold such records: a record
  // the input accepted and an output refused would fail its partition's commit at every replay.
  Result<int64_t> OutputRecordLimit();
  // `now`: the record's processing time.
  void Handle(RdKafka::Message& msg, EventTime now);
  // Sets *outcome to the record's event or rejection; not OK when the schema registry did not answer (Avro
  // input).
  [[nodiscard]] Status Parse(const RdKafka::Message& msg, ParseOutcome* outcome);
  // The schema registry did not answer for a record of `ps`: the partition waits and re-reads from its
  // last commit (nothing is rejected for it), and /healthz says so until the registry answers.
  void RegistryFailed(Owned& ps, const Status& st);
  // The partitions' commit, started now: the freshness budget counts from here.
  Status StartCommit(CommitSeal seal);
  // Takes in the pending commit's outcome, if any: waits for it, or with Wait::kNo only if it is done.
  Status FinishCommit(Wait wait);
  // StartCommit and wait for the outcome.
  Status CommitNow(CommitSeal seal);
  // The consuming loop and the final commit.
  Status Consume();
  // After an error: leaves the group without committing, so that the group's next rebalance need not
  // wait for this member (max.poll.interval.ms). With cooperative rebalancing the other threads' close()
  // waits for that rebalance. The partitions go on from their last commit wherever they are assigned.
  void LeaveGroupAfterError();
  // True once a stop was requested kStopGrace ago: waits for PostgreSQL end then. Thread-safe.
  bool GivingUp();
  // Where each partition's results stop in PostgreSQL, for the message of a stop that gave up.
  std::string Uncommitted() const;
  // Records of the partition not read yet, if its end offset is known.
  std::optional<int64_t> Lag(const Owned& ps);
  // Asks the broker for the end offset of each partition assigned: the consumer's own figure is learnt
  // from its fetches, so until the first one it is unknown, or still the one from an earlier assignment.
  void QueryEnds(const std::vector<RdKafka::TopicPartition*>& assigned);
  // Copies where each partition stands into the probe (for /metrics and the dashboard).
  void PublishGauges();
  // kPeriodic: every --status-interval, skipped while idle; kFinal: at the stop, always.
  enum class StatusLine { kPeriodic, kFinal };
  void PrintStatus(StatusLine line);
  // kFenced when the consumer has a fatal error (another process took its static membership): the process
  // must end, and a restart must not reuse the same --instance-id. OK otherwise (a producer's fatal error
  // concerns its partition only).
  Status ConsumerFatal();

  // This thread's client.id or group.instance.id: unique per thread of the process.
  std::string ThreadId(const std::string& base) const {
    return options_.threads > 1 ? base + "-" + std::to_string(thread_) : base;
  }

  PipelineOptions options_;
  int thread_;  // which of the process's pipeline threads this is
  PipelineProbe* probe_;
  std::function<bool()> stop_;
  std::atomic<SteadyClock::rep> stop_seen_{0};  // when GivingUp() first saw the stop request
  PostgresRetry retry_;
  kafka::ErrorReporter kafka_errors_{"run", /*print=*/false};  // on once Kafka answered
  SystemClock clock_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<KafkaRecordSource> source_;
  std::unique_ptr<KafkaPartitionTransactions> transactions_;
  std::unique_ptr<PostgresResultStore> store_;
  std::unique_ptr<LakeWriter> lake_;
  std::unique_ptr<LakeWriterStore> lake_store_;
  // The owned partitions and their commits; destroyed (its commit worker joined) before the clients.
  std::unique_ptr<PartitionSet> partitions_;
  // The consumer's member id in the group, as of the last rebalance. Asked for outside the rebalance
  // callback only: during close() librdkafka would wait for the callback to return. While it is stale
  // the thread's gauges are not published, so that /metrics never pairs a new assignment with the
  // member id from before it.
  std::string member_id_;
  bool member_id_stale_ = false;
  EventParser parser_;
  ParseOutcome outcome_;             // of the record being handled; kept so that parsing reuses its strings
  std::unique_ptr<AvroInput> avro_;  // Avro input only
  OutageTracker registry_outage_;    // Avro input only
  Status rebalance_error_;
  bool leaving_after_error_ = false;  // the rebalance callback gives partitions up without committing
  CommitCadence cadence_{std::chrono::milliseconds(options_.commit_interval_ms),
                         std::chrono::milliseconds(options_.max_result_delay_ms)};
  SteadyClock::time_point last_status_ = SteadyClock::now();
  int64_t consumed_at_last_status_ = 0;
  // End offset of each assigned partition as the broker gave it at the assignment (QueryEnds).
  std::map<int32_t, int64_t> end_at_assign_;
};

Status Pipeline::Impl::Connect() {
  CS_RETURN_NOT_OK(options_.engine.Validate());
  if (options_.commit_interval_ms <= 0) {
    return Status::InvalidArgument("--commit-interval-ms (COMMIT_INTERVAL_MS) must be positive");
  }
  if (options_.input_format == InputFormat::kAvro) {
    CS_ASSIGN_OR_RETURN(auto registry, SchemaRegistry::Open(options_.schema_registry));
    avro_ = std::make_unique<AvroInput>(std::move(registry));
  }
  CS_ASSIGN_OR_RETURN(auto sink, pg::ResultsSink::Open(options_.db));
  CS_ASSIGN_OR_RETURN(const bool reset, sink.AdoptSettings(options_.engine, options_.reset_results));
  if (reset) {
    log::Warn(kLog,
              "--reset-results: deleted the results computed with other settings; computing them with "
              "{} from the earliest input",
              options_.engine.ToString());
  }
  store_ = std::make_unique<PostgresResultStore>(std::move(sink));

  LakeOptions lake_options;
  lake_options.root = options_.lake_dir;
  lake_options.writer_id = LakeWriterId(thread_);
  lake_options.roll_bytes = options_.lake_roll_bytes;
  lake_options.roll_age = Duration::Seconds(options_.lake_roll_age_s);
  lake_options.file_mode = options_.lake_file_mode;
  lake_options.dir_mode = options_.lake_dir_mode;
  CS_ASSIGN_OR_RETURN(lake_, LakeWriter::Open(lake_options));
  lake_store_ = std::make_unique<LakeWriterStore>(lake_.get());

  CS_ASSIGN_OR_RETURN(const kafka::ConfigPairs common, options_.kafka.Pairs());
  kafka::ConfigPairs consumer_config = {
      {"group.id", options_.group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"isolation.level", "read_committed"},
      {"fetch.wait.max.ms", "10"},
      {"log_level", kafka::kReportedLogLevel},
  };
  const kafka::ConfigPairs read_ahead = kafka::ConsumerReadAhead();
  consumer_config.insert(consumer_config.end(), read_ahead.begin(), read_ahead.end());
  // The KIP-848 group protocol (a user's -X group.protocol=consumer) takes the session timeout and the
  // assignor from the broker's group settings, and the client refuses both properties.
  const bool kip848 = std::any_of(common.begin(), common.end(), [](const auto& kv) {
    return kv.first == "group.protocol" && kv.second == "consumer";
  });
  if (!kip848) {
    // Incremental rebalancing by default: a rebalance revokes only the partitions that move, and the
    // others keep being read and committed meanwhile (docs/scaling.md#rebalances). A user's -X
    // partition.assignment.strategy=range, later in the list, chooses eager rebalancing.
    consumer_config.emplace_back("partition.assignment.strategy", "cooperative-sticky");
    // A crashed member's partitions move on after this long.
    consumer_config.emplace_back("session.timeout.ms", std::to_string(options_.session_timeout_ms));
  }
  CS_ASSIGN_OR_RETURN(auto conf, kafka::MakeConf(options_.kafka, consumer_config));
  // The user's client.id (a -X property wins over ours), told apart per thread, for every client.
  std::string client_id = "clickstream";
  for (const auto& [key, value] : common) {
    if (key == "client.id") client_id = value;
  }
  client_id = ThreadId(client_id);
  std::string err;
  conf->set("event_cb", static_cast<RdKafka::EventCb*>(&kafka_errors_), err);
  if (conf->set("client.id", client_id, err) != RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument("client.id: " + err);
  }
  if (!options_.instance_id.empty() &&
      conf->set("group.instance.id", ThreadId(options_.instance_id), err) != RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument("--instance-id: " + err);
  }
  conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err);
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) return Status::InvalidArgument("kafka: create consumer: " + err);
  CS_RETURN_NOT_OK(
      kafka::CheckReachable(consumer_.get(), options_.kafka.bootstrap_servers, 10000, &kafka_errors_));
  // Reachable: from now on, errors are retried and reported as they come.
  kafka_errors_.set_print(true);
  // Any record the input topic accepted must fit in the dead-letter topic, unchanged, and in the enriched
  // topic with the two members added.
  CS_ASSIGN_OR_RETURN(const int64_t output_bytes, OutputRecordLimit());
  kafka::ConfigPairs producer_config = {
      {"message.max.bytes", std::to_string(output_bytes)}, {"retry.backoff.ms", "10"}, {"log_level", "0"}};
  // The common client settings go last, so a user's property wins over ours.
  producer_config.insert(producer_config.end(), common.begin(), common.end());
  producer_config.emplace_back("client.id", client_id);
  transactions_ =
      std::make_unique<KafkaPartitionTransactions>(std::move(producer_config), options_.group_id,
                                                   options_.input_topic, options_.timeout_ms, &kafka_errors_);
  source_ = std::make_unique<KafkaRecordSource>(consumer_.get(), options_.input_topic, options_.timeout_ms);
  PartitionSetOptions set_options;
  set_options.engine = options_.engine;
  set_options.input_topic = options_.input_topic;
  set_options.enriched_topic = options_.enriched_topic;
  set_options.dlq_topic = options_.dlq_topic;
  set_options.fenced_wait = std::chrono::milliseconds(options_.session_timeout_ms);
  partitions_ = std::make_unique<PartitionSet>(set_options, store_.get(), lake_store_.get(),
                                               transactions_.get(), source_.get(), &clock_, &retry_, probe_);
  CS_ASSIGN_OR_RETURN(const int32_t partitions,
                      kafka::PartitionCount(consumer_.get(), options_.input_topic, options_.timeout_ms));
  CS_RETURN_NOT_OK(store_->RegisterPartitions(partitions));
  return kafka::FromRdKafka(consumer_->subscribe({options_.input_topic}),
                            "subscribe to " + options_.input_topic);
}

Result<int64_t> Pipeline::Impl::OutputRecordLimit() {
  const kafka::ClientOptions& servers = options_.kafka;
  Result<int64_t> described = kafka::MaxMessageBytes(servers, options_.input_topic, options_.timeout_ms);
  // A missing input topic is created on first use with the broker's default, Kafka's unless changed; any
  // other failure (a refused DescribeConfigs, a broker away) is the start's.
  if (!described.ok() && described.status().code() != StatusCode::kInvalidArgument) return described.status();
  if (!described.ok()) {
    log::Info(kLog, "input topic {} does not exist yet: the dead-letter topic takes records up to Kafka's "
              "default max.message.bytes ({})", options_.input_topic, kKafkaMaxMessageBytes);
  }
  const int64_t input = described.ok() ? *described : kKafkaMaxMessageBytes;
  const int64_t needed = kafka::OutputMaxMessageBytes(input);
  CS_RETURN_NOT_OK(kafka::EnsureTopics(servers, {{options_.dlq_topic, 1}}, options_.timeout_ms));
  std::vector<std::pair<std::string, const char*>> outputs = {{options_.dlq_topic, "dead-letter"}};
  // An enriched topic not created yet is the broker's to create on the first write, with its defaults.
  const Result<int64_t> enriched = kafka::MaxMessageBytes(servers, options_.enriched_topic, options_.timeout_ms);
  if (!enriched.ok() && enriched.status().code() != StatusCode::kInvalidArgument) return enriched.status();
  if (enriched.ok()) outputs.emplace_back(options_.enriched_topic, "enriched");
  for (const auto& [topic, what] : outputs) {
    if (const Status st = kafka::RaiseMaxMessageBytes(servers, topic, needed, options_.timeout_ms); !st.ok()) {
      return Status::InvalidArgument(std::string(what) + " topic " + topic + " must accept records of " +
                                     std::to_string(needed) + " bytes (input topic " + options_.input_topic +
                                     " accepts " + std::to_string(input) + ") and could not be raised (" +
                                     st.message() + "): set its max.message.bytes to " +
                                     std::to_string(needed));
    }
  }
  return std::max(needed, kLibrdkafkaMessageMaxBytes);
}

void Pipeline::Impl::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                                  std::vector<RdKafka::TopicPartition*>& partitions) {
  // Cooperative (cooperative-sticky, or the KIP-848 protocol): `partitions` are the ones added or taken
  // away, the others stay assigned and keep being read. Eager: every partition is revoked, then the new
  // assignment comes whole.
  const bool incremental = consumer->rebalance_protocol() == "COOPERATIVE";
  if (leaving_after_error_) {  // close() after an error: nothing is committed, nothing claimed
    if (const Status st = Unassign(consumer, partitions, incremental); !st.ok()) {
      log::Warn(kLog, "{}", st.message());
    }
    return;
  }
  // Claims and commits below use the PostgreSQL connection the background commit holds.
  if (const Status st = FinishCommit(Wait::kYes); !st.ok()) rebalance_error_ = st;
  probe_->rebalances.fetch_add(1, std::memory_order_relaxed);
  member_id_stale_ = true;
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    std::vector<Partition> assigned;
    for (const auto* tp : partitions) assigned.emplace_back(tp->partition());
    std::vector<Status> results = partitions_->Assign(assigned);
    // A broker that went away during the claims: wait for it, about 30 s, rather than lose the assignment
    // (a claim itself waits for PostgreSQL).
    OutageTracker& kafka_outage = partitions_->kafka_outage();
    Backoff backoff(kClaimRetry);
    while (!GivingUp()) {
      std::vector<Partition> again;
      std::vector<size_t> again_at;
      for (size_t i = 0; i < results.size(); ++i) {
        if (!results[i].retryable()) continue;
        kafka_outage.Failed("claim of partition " + std::to_string(assigned[i].id()), results[i].message());
        again.push_back(assigned[i]);
        again_at.push_back(i);
      }
      if (again.empty()) {
        if (backoff.failures() > 0) kafka_outage.Succeeded();
        break;
      }
      const std::optional<std::chrono::milliseconds> wait = backoff.Failed();
      if (!wait) break;
      std::this_thread::sleep_for(*wait);
      const std::vector<Status> retried = partitions_->Assign(again);
      for (size_t j = 0; j < again.size(); ++j) results[again_at[j]] = retried[j];
    }
    for (size_t i = 0; i < partitions.size(); ++i) {
      RdKafka::TopicPartition* tp = partitions[i];
      if (!results[i].ok()) {
        rebalance_error_ = results[i];
        tp->set_offset(RdKafka::Topic::OFFSET_END);
        continue;
      }
      const Offset next = partitions_->partitions().at(tp->partition())->task.next();
      tp->set_offset(next.value() > 0 ? next.value() : RdKafka::Topic::OFFSET_BEGINNING);
    }
    partitions_->ReleaseKept();
    const Status st = incremental ? kafka::FromError(consumer->incremental_assign(partitions), "assign")
                                  : kafka::FromRdKafka(consumer->assign(partitions), "assign");
    if (!st.ok()) rebalance_error_ = st;
    QueryEnds(partitions);
  } else {
    // The group coordinator answered: a thread left without partitions has no other sign of the broker.
    partitions_->kafka_outage().Succeeded();
    std::vector<Partition> revoked;
    for (const auto* tp : partitions) {
      revoked.emplace_back(tp->partition());
      end_at_assign_.erase(tp->partition());
    }
    cadence_.Started();
    if (const Status st = partitions_->Revoke(revoked); !st.ok()) {
      log::Warn(kLog, "commit before giving up partitions failed: {}", st.message());
    }
    if (const Status st = Unassign(consumer, partitions, incremental); !st.ok()) rebalance_error_ = st;
  }
  PublishGauges();
}

Status Pipeline::Impl::StartCommit(CommitSeal seal) {
  cadence_.Started();
  CS_RETURN_NOT_OK(partitions_->StartCommit(seal));
  if (!partitions_->commit_pending()) PublishGauges();
  return Status::OK();
}

Status Pipeline::Impl::FinishCommit(Wait wait) {
  CS_ASSIGN_OR_RETURN(const bool finished, partitions_->FinishCommit(wait));
  if (finished) PublishGauges();
  return Status::OK();
}

Status Pipeline::Impl::CommitNow(CommitSeal seal) {
  CS_RETURN_NOT_OK(StartCommit(seal));
  return FinishCommit(Wait::kYes);
}

Status Pipeline::Impl::Parse(const RdKafka::Message& msg, ParseOutcome* outcome) {
  const std::string_view value(static_cast<const char*>(msg.payload()), msg.len());
  if (!avro_) {
    parser_.Parse(value, outcome);
  } else {
    const int64_t answers = avro_->answers();
    CS_ASSIGN_OR_RETURN(*outcome, avro_->Parse(value));
    if (avro_->answers() > answers) registry_outage_.Succeeded();
  }
  RejectFuture(msg, Duration::Seconds(options_.max_future_s), outcome);
  return Status::OK();
}

void Pipeline::Impl::RegistryFailed(Owned& ps, const Status& st) {
  log::Warn(kLog, "partition {}: {}; re-reading from the last commit once it answers",
            ps.task.partition().id(), st.message());
  probe_->registry_errors.fetch_add(1, std::memory_order_relaxed);
  registry_outage_.Failed("lookup", st.message());
  partitions_->Break(ps);
}

void Pipeline::Impl::Handle(RdKafka::Message& msg, EventTime now) {
  const Offset offset(msg.offset());
  Owned* ps = partitions_->Begin(Partition(msg.partition()), offset);
  if (ps == nullptr) return;
  probe_->consumed.fetch_add(1, std::memory_order_relaxed);
  if (Status st = Parse(msg, &outcome_); !st.ok()) return RegistryFailed(*ps, st);
  partitions_->End(*ps, offset, partitions_->Add(*ps, offset, outcome_, kafka::ViewOf(msg), now));
}

void Pipeline::Impl::QueryEnds(const std::vector<RdKafka::TopicPartition*>& assigned) {
  for (const RdKafka::TopicPartition* tp : assigned) {
    int64_t low = 0, high = -1;
    // Failed (the broker is away): the lags are unknown until the consumer's first fetches, and the
    // other partitions are not asked, so that the assignment does not wait for each in turn.
    if (consumer_->query_watermark_offsets(options_.input_topic, tp->partition(), &low, &high,
                                           kEndQueryTimeoutMs) != RdKafka::ERR_NO_ERROR) {
      return;
    }
    end_at_assign_[tp->partition()] = high;
  }
}

std::optional<int64_t> Pipeline::Impl::Lag(const Owned& ps) {
  const int32_t id = ps.task.partition().id();
  int64_t low = 0, high = -1;
  if (consumer_->get_watermark_offsets(options_.input_topic, id, &low, &high) != RdKafka::ERR_NO_ERROR) {
    high = -1;
  }
  // An end only grows: the larger of the two is the newer.
  if (auto it = end_at_assign_.find(id); it != end_at_assign_.end()) high = std::max(high, it->second);
  if (high < 0) return std::nullopt;
  return std::max<int64_t>(0, high - ps.task.next().value());
}

void Pipeline::Impl::PublishGauges() {
  std::map<int32_t, PartitionGauges> gauges;
  for (const auto& [id, ps] : partitions_->partitions()) {
    PartitionGauges& g = gauges[id];
    if (const std::optional<int64_t> lag = Lag(*ps)) g.lag = *lag;
    const Watermark w = ps->task.engine().watermark();
    g.has_watermark = w.is_set();
    if (w.is_set()) g.watermark_micros = w.time().micros();
    g.committed_offset = ps->task.db_committed().value();
    g.open_windows = static_cast<int64_t>(ps->task.engine().open_windows());
    g.open_sessions = static_cast<int64_t>(ps->task.engine().open_sessions());
    g.thread = thread_;
  }
  probe_->SetPartitions(std::move(gauges));
  if (!member_id_stale_)
    probe_->SetThread(thread_, {member_id_, static_cast<int64_t>(partitions_->partitions().size())});
}

void Pipeline::Impl::PrintStatus(StatusLine line) {
  const auto now = SteadyClock::now();
  const double secs = std::chrono::duration<double>(now - last_status_).count();
  const int64_t consumed = probe_->consumed.load();
  // Idle: a line every 30 s is enough. The final figures are always reported.
  if (line == StatusLine::kPeriodic && consumed == consumed_at_last_status_ && secs < 30) return;
  std::optional<int64_t> lag = 0;  // unknown if any partition's is
  std::string parts;
  for (const auto& [id, ps] : partitions_->partitions()) {
    const std::optional<int64_t> partition_lag = Lag(*ps);
    lag = lag && partition_lag ? std::optional<int64_t>(*lag + *partition_lag) : std::nullopt;
    parts += (parts.empty() ? "" : ",") + std::to_string(id);
  }
  const std::string thread = options_.threads > 1 ? "thread " + std::to_string(thread_) + ": " : "";
  log::Info(
      kLog,
      "{}partitions [{}] {:.0f} events/s | accepted {} late {} rejected {} | lag {} | last commit {:.0f} ms "
      "ago (took {:.1f} ms: kafka {:.1f}, postgres {:.1f})",
      thread, parts, (consumed - consumed_at_last_status_) / std::max(secs, 1e-9), probe_->accepted.load(),
      probe_->late.load(), probe_->rejected_total(), lag ? std::to_string(*lag) : "unknown",
      std::chrono::duration<double, std::milli>(now - partitions_->last_start()).count(),
      probe_->last_commit_micros.load() / 1000.0, probe_->last_kafka_commit_micros.load() / 1000.0,
      probe_->last_db_commit_micros.load() / 1000.0);
  consumed_at_last_status_ = consumed;
  last_status_ = now;
}

Status Pipeline::Impl::ConsumerFatal() {
  std::string reason;
  const RdKafka::ErrorCode code = consumer_->fatal_error(reason);
  if (code == RdKafka::ERR_NO_ERROR) return Status::OK();
  if (code == RdKafka::ERR_FENCED_INSTANCE_ID) {
    return Status::Fenced("kafka: another process joined group " + options_.group_id + " with this one's --instance-id " +
                          ThreadId(options_.instance_id) + " (KAFKA_GROUP_INSTANCE_ID) and took over its partitions (" +
                          reason + "): give each process its own --instance-id; this one stops without committing");
  }
  return Status::Fenced("kafka: the consumer failed fatally (" + RdKafka::err2str(code) + ": " + reason +
                        "): restart the process; it re-reads from the last commit");
}

bool Pipeline::Impl::GivingUp() {
  if (!stop_ || !stop_()) return false;
  const SteadyClock::rep now = SteadyClock::now().time_since_epoch().count();
  SteadyClock::rep seen = 0;
  if (stop_seen_.compare_exchange_strong(seen, now)) return false;
  return SteadyClock::duration(now - seen) > kStopGrace;
}

std::string Pipeline::Impl::Uncommitted() const {
  std::string out;
  for (const auto& [id, ps] : partitions_->partitions()) {
    if (ps->state == PartitionState::kBroken) continue;
    out += (out.empty() ? "partition " : ", ") + std::to_string(id) + " from offset " +
           std::to_string(ps->task.db_committed().value());
  }
  return out.empty() ? "none" : out;
}

Status Pipeline::Impl::Run(const std::function<bool()>& stop) {
  stop_ = stop;
  const Status st = Consume();
  if (!st.ok()) LeaveGroupAfterError();
  if (st.ok() || !st.retryable() || !stop()) return st;
  return Status::Unavailable("stopped before the last results were committed (" + st.message() +
                             "); results not in PostgreSQL: " + Uncommitted() +
                             "; a restart re-reads them, nothing committed is lost");
}

void Pipeline::Impl::LeaveGroupAfterError() {
  leaving_after_error_ = true;
  if (const Status st = kafka::FromRdKafka(consumer_->close(), "leave group " + options_.group_id); !st.ok()) {
    log::Warn(kLog, "{}", st.message());
  }
}

Status Pipeline::Impl::Consume() {
  const auto status_interval = std::chrono::seconds(options_.status_interval_s);
  probe_->state.store(PipelineProbe::State::kRunning, std::memory_order_relaxed);
  while (!stop_()) {
    // While a commit is being written, come back often to start the next one as soon as it is done.
    std::unique_ptr<RdKafka::Message> msg(
        consumer_->consume(partitions_->commit_pending() ? 1 : std::min(options_.commit_interval_ms, 100)));
    if (!rebalance_error_.ok()) return rebalance_error_;
    // librdkafka reports a consumer's fatal error (e.g. its static membership fenced) as this message; a
    // producer's reaches its transaction calls.
    if (msg->err() == RdKafka::ERR__FATAL) CS_RETURN_NOT_OK(ConsumerFatal());
    if (member_id_stale_) {
      member_id_ = consumer_->memberid();
      member_id_stale_ = false;
      PublishGauges();
    }
    if (msg->err() == RdKafka::ERR_NO_ERROR) {
      // One clock read per record serves the freshness budget and the processing timestamp.
      const EventTime now = clock_.Now();
      cadence_.Read(RecordAge(*msg, now));
      Handle(*msg, now);
    } else if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF) {
      // A refusal (group or topic authorization) stays until an operator grants it: stop and say what.
      if (kafka::ClassOf(msg->err()) == StatusCode::kRefused) {
        return kafka::FromRdKafka(msg->err(),
                                  "consume " + options_.input_topic + " in group " + options_.group_id);
      }
      // The group's members use assignors of the other kind (eager or cooperative): the broker refuses
      // this member until they are all gone, and retrying cannot help.
      if (msg->err() == RdKafka::ERR_INCONSISTENT_GROUP_PROTOCOL) {
        return Status::InvalidArgument(
            "kafka: group " + options_.group_id + " refused this member (" + msg->errstr() +
            "): its members use another partition.assignment.strategy; give this one the same -X "
            "partition.assignment.strategy, or stop them all before changing it (docs/scaling.md)");
      }
      log::Warn(kLog, "kafka: {}", msg->errstr());
    }
    const bool overdue = partitions_->commit_pending() &&
                         SteadyClock::now() - partitions_->commit_started() > kMaxCommitOverlap;
    CS_RETURN_NOT_OK(FinishCommit(overdue ? Wait::kYes : Wait::kNo));
    // The interval is reading time: the consuming thread waits out each commit's Kafka transactions.
    if (!partitions_->commit_pending() && cadence_.Due(SteadyClock::now() - partitions_->reading_since())) {
      CS_RETURN_NOT_OK(StartCommit(CommitSeal::kDue));
      if (partitions_->RecoveryDue()) {
        CS_RETURN_NOT_OK(FinishCommit(Wait::kYes));  // recovering claims partitions on the sink's connection
        CS_RETURN_NOT_OK(partitions_->RecoverBroken());
      }
    }
    if (options_.status_interval_s > 0 && SteadyClock::now() - last_status_ >= status_interval) {
      PrintStatus(StatusLine::kPeriodic);
    }
  }
  probe_->state.store(PipelineProbe::State::kStopping, std::memory_order_relaxed);
  log::Info(kLog, "stopping: final commit");
  CS_RETURN_NOT_OK(FinishCommit(Wait::kYes));
  CS_RETURN_NOT_OK(CommitNow(CommitSeal::kAll));
  PrintStatus(StatusLine::kFinal);
  consumer_->close();
  return Status::OK();
}

Result<std::unique_ptr<Pipeline>> Pipeline::Start(const PipelineOptions& options, int thread,
                                                  PipelineProbe* probe) {
  auto impl = std::make_unique<Impl>(options, thread, probe);
  CS_RETURN_NOT_OK(impl->Connect());
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;

Status Pipeline::Run(const std::function<bool()>& stop) { return impl_->Run(stop); }

}  // namespace clickstream
