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
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/wall_clock.h"
#include "engine/partition_engine.h"
#include "format/enriched_record.h"
#include "kafka/client_config.h"
#include "kafka/error_reporter.h"
#include "kafka/kafka_status.h"
#include "kafka/topics.h"
#include "kafka/transactional_producer.h"
#include "lake/lake_writer.h"
#include "postgres/results_sink.h"
#include "registry/avro_input.h"
#include "service/backoff.h"
#include "service/commit_cadence.h"
#include "service/commit_coordinator.h"
#include "service/lake_seal.h"
#include "service/lake_store.h"
#include "service/parallel_runner.h"
#include "service/partition_recovery.h"
#include "service/partition_task.h"
#include "service/partition_transaction.h"
#include "service/postgres_retry.h"
#include "service/result_store.h"

namespace clickstream {
namespace {

using Clock = std::chrono::steady_clock;

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

// How long before `now` the record was written (its Kafka timestamp); 0 when it has none.
std::chrono::milliseconds RecordAge(const RdKafka::Message& msg, EventTime now) {
  const RdKafka::MessageTimestamp ts = msg.timestamp();
  if (ts.type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) return {};
  return std::chrono::milliseconds(now.micros() / 1000 - ts.timestamp);
}

// The component of this file's log lines.
constexpr std::string_view kLog = "run";

// An event further than `max_future` ahead of its record's timestamp is rejected like an invalid record.
ParseOutcome RejectFuture(ParseOutcome outcome, const RdKafka::Message& msg, Duration max_future) {
  const RdKafka::MessageTimestamp ts = msg.timestamp();
  if (!outcome.ok() || ts.type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) return outcome;
  std::optional<Rejection> rejection =
      CheckFutureEventTime(outcome.event().event_time, ts.timestamp, max_future);
  return rejection ? ParseOutcome(std::move(*rejection)) : std::move(outcome);
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

// Recoveries of a partition and retries of a lake write: 1 s, 2 s, 4 s ... 30 s.
constexpr Backoff kRecoveryBackoff{std::chrono::seconds(1), std::chrono::seconds(30)};

// Everything the process holds for one assigned input partition: its task, and its clients' state.
struct PartitionState {
  explicit PartitionState(PartitionTask t) : task(std::move(t)) {}

  PartitionTask task;
  std::unique_ptr<PartitionTransaction> producer;
  bool broken = false;           // a sink failed or another process claimed it: recover from durable state
  bool paused = false;           // not fetched while its lake buffer is full behind a write in progress
  int recoveries = 0;            // recoveries since it last committed: each waits longer (kRecoveryBackoff)
  Clock::time_point recover_at;  // when broken: not recovered before this

  std::optional<LakeSeal> seal;  // its lake buffer sealed, being written
};

}  // namespace

class Pipeline::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(const PipelineOptions& options, int thread, PipelineProbe* probe)
      : options_(options), thread_(thread), probe_(probe), retry_(probe, [this] { return GivingUp(); }) {
    options_.db.interrupted = [this] { return GivingUp(); };
  }

  Status Connect();
  Status Run(const std::function<bool()>& stop);

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;

 private:
  // The largest record the producers must send: a dead letter of the input's largest record. Creates the
  // dead-letter topic if missing and raises its max.message.bytes to hold such records.
  Result<int64_t> DeadLetterRecordLimit();
  Status Claim(Partition p, std::unique_ptr<PartitionState>* out);
  // The state this consumer kept of the partition when it was revoked, if it is assigned back and
  // nobody claimed it meanwhile (its fence is unchanged); else null, and the kept state is released.
  std::unique_ptr<PartitionState> Kept(Partition p);
  // `now`: the record's processing time.
  void Handle(RdKafka::Message& msg, EventTime now);
  Status HandleRecord(PartitionState& ps, RdKafka::Message& msg, ParseOutcome outcome, EventTime now);
  // The record's event or rejection; not OK when the schema registry did not answer (Avro input).
  Result<ParseOutcome> Parse(const RdKafka::Message& msg);
  // The schema registry did not answer for a record of `ps`: the partition waits and re-reads from its
  // last commit (nothing is rejected for it), and /healthz says so until the registry answers.
  void RegistryFailed(PartitionState& ps, const Status& st);
  // Commits every partition's Kafka transaction, then hands its results to a background commit;
  // with `final_seal`, every lake buffer is sealed too (graceful stop).
  // REQUIRES: no commit pending.
  Status StartCommit(bool final_seal);
  // The partition whose lake buffer should be sealed now, the first due after the last one sealed.
  std::optional<int32_t> NextToSeal(EventTime now) const;
  // Starts writing the partition's lake buffer on a background thread, if it holds rows.
  void StartSeal(PartitionState& ps);
  // Moves the partition's written lake batch and its snapshot into the commit being built, if the write
  // is done; with `wait`, waits for it. A failed write is retried later (the rows are kept), or with
  // `wait` returned (the process stops; the next owner re-reads the rows).
  Status CollectSeal(PartitionState& ps, bool wait, std::vector<Batch>* written,
                     std::optional<std::pair<Offset, std::string>>* snapshot);
  // Stops or resumes fetching the partition (backpressure from the lake).
  void SetPaused(PartitionState& ps, bool paused);
  // Takes in the pending commit's outcome, if any: waits for it, or with `wait` false only if it is done.
  Status FinishCommit(bool wait);
  // StartCommit and wait for the outcome.
  Status CommitNow(bool final_seal);
  // Marks the partition for recovery, after kRecoveryBackoff.After(recoveries) or `at_least`, whichever is
  // longer.
  void Break(PartitionState& ps, Clock::duration at_least = {});
  // Releases what the process holds for the partition besides its state: lake buffer, paused fetching.
  void Forget(PartitionState& ps);
  // An empty broken state in place of a dropped one, recovered after `at_least` at the soonest.
  std::unique_ptr<PartitionState> Dropped(Partition p, int recoveries, Clock::duration at_least = {});
  // The partitions the consumer is assigned; none once it knows it lost them (before they are revoked).
  std::set<int32_t> Assigned();
  bool RecoveryDue() const;
  // Errors: a permanent PostgreSQL error (the process stops); other failures leave the partition broken.
  Status RecoverBroken();
  // The consuming loop and the final commit.
  Status Consume();
  // True once a stop was requested kStopGrace ago: waits for PostgreSQL end then. Thread-safe.
  bool GivingUp();
  // Where each partition's results stop in PostgreSQL, for the message of a stop that gave up.
  std::string Uncommitted() const;
  // Records of the partition not read yet, if the consumer knows its end offset.
  std::optional<int64_t> Lag(const PartitionState& ps);
  // Copies where each partition stands into the probe (for /metrics and the dashboard).
  void PublishGauges();
  void PrintStatus();

  // This thread's client.id or group.instance.id: unique per thread of the process.
  std::string ThreadId(const std::string& base) const {
    return options_.threads > 1 ? base + "-" + std::to_string(thread_) : base;
  }

  PipelineOptions options_;
  int thread_;  // which of the process's pipeline threads this is
  PipelineProbe* probe_;
  std::function<bool()> stop_;
  std::atomic<Clock::rep> stop_seen_{0};  // when GivingUp() first saw the stop request
  PostgresRetry retry_;
  kafka::ErrorReporter kafka_errors_{"run", /*print=*/false};  // on once Kafka answered
  kafka::ConfigPairs producer_config_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<PostgresResultStore> store_;
  std::unique_ptr<LakeWriter> lake_;
  std::unique_ptr<LakeWriterStore> lake_store_;
  // Writes commits on its own thread; destroyed (its worker joined) before the store and the lake.
  std::unique_ptr<CommitCoordinator> committer_;
  ParallelRunner kafka_committer_;  // the partitions' Kafka commits, concurrently
  std::map<int32_t, std::unique_ptr<PartitionState>> partitions_;
  // The consumer's member id in the group, as of the last rebalance. Asked for outside the rebalance
  // callback only: during close() librdkafka would wait for the callback to return.
  std::string member_id_;
  bool member_id_stale_ = false;
  // Partitions revoked by the current rebalance whose states are kept until the next assignment.
  std::map<int32_t, std::unique_ptr<PartitionState>> revoked_;
  EventParser parser_;
  std::unique_ptr<AvroInput> avro_;  // Avro input only
  int registry_failures_ = 0;        // since the registry last answered
  std::string scratch_;
  Status rebalance_error_;
  int32_t last_sealed_ = -1;
  Clock::time_point last_commit_ = Clock::now();
  CommitCadence cadence_{std::chrono::milliseconds(options_.commit_interval_ms),
                         std::chrono::milliseconds(options_.max_result_delay_ms)};
  Clock::time_point last_status_ = Clock::now();
  int64_t consumed_at_last_status_ = 0;
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
  committer_ = std::make_unique<CommitCoordinator>(store_.get(), lake_store_.get(), &retry_, probe_);

  CS_ASSIGN_OR_RETURN(
      auto conf, kafka::MakeConf(options_.kafka,
                                 {
                                     {"group.id", options_.group_id},
                                     {"enable.auto.commit", "false"},
                                     {"enable.auto.offset.store", "false"},
                                     {"auto.offset.reset", "earliest"},
                                     // Eager rebalancing: librdkafka 2.0.2's cooperative mode has known bugs.
                                     {"partition.assignment.strategy", "range"},
                                     {"isolation.level", "read_committed"},
                                     {"fetch.wait.max.ms", "10"},
                                     // Prefetch at most 16 MB per partition rather than 64 MB. Not less: when
                                     // a partition's queue is full, librdkafka 2.0.2 waits 1 s before
                                     // fetching it again, so the queue must hold more than a second of input
                                     // (4 MB starved the engine: 97k instead of 109k events/s).
                                     {"queued.max.messages.kbytes", "16384"},
                                     // A crashed member's partitions move on after this long.
                                     {"session.timeout.ms", std::to_string(options_.session_timeout_ms)},
                                     {"log_level", "0"},
                                 }));
  // The user's client.id (a -X property wins over ours), told apart per thread, for every client.
  CS_ASSIGN_OR_RETURN(const kafka::ConfigPairs common, options_.kafka.Pairs());
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
  // Any record the input topic accepted must fit in the dead-letter topic, unchanged.
  CS_ASSIGN_OR_RETURN(const int64_t dlq_bytes, DeadLetterRecordLimit());
  producer_config_ = {{"message.max.bytes", std::to_string(dlq_bytes)},
                      {"linger.ms", "5"},
                      {"retry.backoff.ms", "10"},
                      {"batch.num.messages", "10000"},
                      {"compression.type", "lz4"},
                      {"log_level", "0"}};
  // The common client settings go last, so a user's property wins over ours.
  producer_config_.insert(producer_config_.end(), common.begin(), common.end());
  producer_config_.emplace_back("client.id", client_id);
  CS_ASSIGN_OR_RETURN(const int32_t partitions,
                      kafka::PartitionCount(consumer_.get(), options_.input_topic, options_.timeout_ms));
  CS_RETURN_NOT_OK(store_->RegisterPartitions(partitions));
  return kafka::FromRdKafka(consumer_->subscribe({options_.input_topic}),
                            "subscribe to " + options_.input_topic);
}

Result<int64_t> Pipeline::Impl::DeadLetterRecordLimit() {
  const kafka::ClientOptions& servers = options_.kafka;
  Result<int64_t> described = kafka::MaxMessageBytes(servers, options_.input_topic, options_.timeout_ms);
  // A missing input topic is created on first use with the broker's default, Kafka's unless changed.
  const int64_t input = described.ok() ? *described : kKafkaMaxMessageBytes;
  const int64_t needed = kafka::DeadLetterMaxMessageBytes(input);
  if (const Status st = kafka::EnsureTopics(servers, {{options_.dlq_topic, 1}}, options_.timeout_ms);
      !st.ok()) {
    return st;
  }
  if (const Status st = kafka::RaiseMaxMessageBytes(servers, options_.dlq_topic, needed, options_.timeout_ms);
      !st.ok()) {
    return Status::InvalidArgument("dead-letter topic " + options_.dlq_topic + " must accept records of " +
                                   std::to_string(needed) + " bytes (input topic " + options_.input_topic +
                                   " accepts " + std::to_string(input) + ") and could not be raised (" +
                                   st.message() + "): set its max.message.bytes to " +
                                   std::to_string(needed));
  }
  return std::max(needed, kLibrdkafkaMessageMaxBytes);
}

Status Pipeline::Impl::Claim(Partition p, std::unique_ptr<PartitionState>* out) {
  CS_ASSIGN_OR_RETURN(RecoveredPartition recovered,
                      RecoverPartition(p, *store_, *lake_store_, retry_, options_.engine));
  // Starting the producer fences an older owner's producer and aborts its open transaction, after
  // which the group offset is the exact progress of the enriched topic.
  CS_ASSIGN_OR_RETURN(
      std::unique_ptr<kafka::TransactionalProducer> producer,
      kafka::TransactionalProducer::Start(
          producer_config_, options_.group_id + "-" + options_.input_topic + "-" + std::to_string(p.id()),
          options_.timeout_ms, &kafka_errors_));
  std::vector<RdKafka::TopicPartition*> tp = {RdKafka::TopicPartition::create(options_.input_topic, p.id())};
  const RdKafka::ErrorCode code = consumer_->committed(tp, options_.timeout_ms);
  const int64_t committed = tp[0]->offset();
  RdKafka::TopicPartition::destroy(tp);
  CS_RETURN_NOT_OK(kafka::FromRdKafka(code, "read committed offsets"));
  auto ps = std::make_unique<PartitionState>(
      PartitionTask(p, std::move(recovered), Offset(committed >= 0 ? committed : 0)));
  ps->producer = std::make_unique<KafkaPartitionTransaction>(std::move(producer), options_.input_topic, p,
                                                             options_.timeout_ms);
  const PartitionTask& task = ps->task;
  log::Info(kLog, "partition {} claimed (fence {}): replay from offset {}, results from {}, enriched from {}",
            p.id(), task.fence(), task.next().value(), task.results_from().value(),
            task.kafka_from().value());
  *out = std::move(ps);
  return Status::OK();
}

std::unique_ptr<PartitionState> Pipeline::Impl::Kept(Partition p) {
  auto node = revoked_.extract(p.id());
  if (node.empty()) return nullptr;
  std::unique_ptr<PartitionState> ps = std::move(node.mapped());
  int64_t fence = 0;
  const Status st = retry_.Run("fence check of partition " + std::to_string(p.id()), [&] {
    CS_ASSIGN_OR_RETURN(fence, store_->Fence(p));
    return Status::OK();
  });
  if (!st.ok() || fence != ps->task.fence()) {
    Forget(*ps);
    return nullptr;
  }
  log::Info(kLog, "partition {} kept (fence {}): goes on from offset {}", p.id(), ps->task.fence(),
            ps->task.next().value());
  return ps;
}

void Pipeline::Impl::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                                  std::vector<RdKafka::TopicPartition*>& partitions) {
  // Claims and commits below use the PostgreSQL connection the background commit holds.
  if (const Status st = FinishCommit(/*wait=*/true); !st.ok()) rebalance_error_ = st;
  probe_->rebalances.fetch_add(1, std::memory_order_relaxed);
  member_id_stale_ = true;
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    for (auto* tp : partitions) {
      std::unique_ptr<PartitionState> ps = Kept(Partition(tp->partition()));
      if (!ps) {
        Status st = Claim(Partition(tp->partition()), &ps);
        // A broker that went away during the claim: wait for it rather than lose the assignment (Claim
        // itself waits for PostgreSQL).
        for (int attempt = 1; st.retryable() && attempt <= 30 && !GivingUp(); ++attempt) {
          log::Warn(kLog, "claiming partition failed, retrying: {}", st.message());
          std::this_thread::sleep_for(std::chrono::seconds(1));
          st = Claim(Partition(tp->partition()), &ps);
        }
        if (!st.ok()) {
          rebalance_error_ = st;
          tp->set_offset(RdKafka::Topic::OFFSET_END);
          continue;
        }
      }
      tp->set_offset(ps->task.next().value() > 0 ? ps->task.next().value()
                                                 : RdKafka::Topic::OFFSET_BEGINNING);
      partitions_[tp->partition()] = std::move(ps);
    }
    // Kept states of partitions that went to other members.
    for (auto& [id, ps] : revoked_) Forget(*ps);
    revoked_.clear();
    consumer->assign(partitions);
  } else {
    // Revoked: make what was processed durable; the next owner replays the lake buffer from L.
    const Status st = CommitNow(/*final_seal=*/false);
    if (!st.ok()) log::Warn(kLog, "commit before giving up partitions failed: {}", st.message());
    // The eager protocol revokes every partition at each rebalance, and most come back to the same
    // member: keep their states (lake buffers included) until the assignment says, so that they go
    // on where they are instead of re-reading from the last lake seal. Not when the commit failed
    // (its changes are gone) or the group already gave the partitions to others (lost).
    const bool keep = st.ok() && !consumer->assignment_lost();
    for (auto* tp : partitions) {
      if (auto it = partitions_.find(tp->partition()); it != partitions_.end()) {
        if (keep && !it->second->broken) {
          // Resumed while still assigned: a kept state is never paused (backpressure pauses it again).
          if (it->second->paused) SetPaused(*it->second, false);
          revoked_[it->first] = std::move(it->second);
        } else {
          Forget(*it->second);
        }
        partitions_.erase(it);
      }
    }
    consumer->unassign();
  }
  PublishGauges();
}

Result<ParseOutcome> Pipeline::Impl::Parse(const RdKafka::Message& msg) {
  const std::string_view value(static_cast<const char*>(msg.payload()), msg.len());
  if (!avro_) return RejectFuture(parser_.Parse(value), msg, Duration::Seconds(options_.max_future_s));
  const int64_t answers = avro_->answers();
  CS_ASSIGN_OR_RETURN(ParseOutcome outcome, avro_->Parse(value));
  if (registry_failures_ > 0 && avro_->answers() > answers) {
    log::Info(kLog, "schema registry answers again after {} failed lookups", registry_failures_);
    registry_failures_ = 0;
    probe_->SetRegistryOutage(std::nullopt);
  }
  return RejectFuture(std::move(outcome), msg, Duration::Seconds(options_.max_future_s));
}

void Pipeline::Impl::RegistryFailed(PartitionState& ps, const Status& st) {
  log::Warn(kLog, "partition {}: {}; re-reading from the last commit once it answers",
            ps.task.partition().id(), st.message());
  probe_->registry_errors.fetch_add(1, std::memory_order_relaxed);
  const std::optional<Outage> outage = probe_->registry_outage();
  probe_->SetRegistryOutage(Outage{outage ? outage->since_unix_micros : WallClockNow().micros(),
                                   ++registry_failures_, st.message()});
  Break(ps);
}

Status Pipeline::Impl::HandleRecord(PartitionState& ps, RdKafka::Message& msg, ParseOutcome outcome,
                                    EventTime now) {
  const Offset offset(msg.offset());
  const bool write_kafka = ps.task.WritesKafka(offset);
  if (!outcome.ok()) {
    const Rejection& r = outcome.rejection();
    probe_->rejected[static_cast<size_t>(r.reason)].fetch_add(1, std::memory_order_relaxed);
    if (!write_kafka) return Status::OK();
    std::vector<kafka::Header> headers;
    for (auto& [name, value] : DeadLetterHeaders(r, {options_.input_topic, ps.task.partition(), offset})) {
      headers.push_back({std::move(name), std::move(value)});
    }
    return ps.producer->Forward(options_.dlq_topic, msg, headers);
  }
  const Event& event = outcome.event();
  if (msg.key() == nullptr || *msg.key() != event.user_id)
    probe_->misrouted.fetch_add(1, std::memory_order_relaxed);
  const Admission admission = ps.task.Admit(offset, event);
  (admission.late ? probe_->late : probe_->accepted).fetch_add(1, std::memory_order_relaxed);
  CS_RETURN_NOT_OK(lake_->Append(ps.task.partition(), offset, LakeRow::Of(event, admission.late, now)));
  if (!write_kafka) return Status::OK();
  EnrichedRecordJson(event, now, admission.late, &scratch_);
  return ps.producer->Send(options_.enriched_topic, event.user_id, scratch_);
}

void Pipeline::Impl::Handle(RdKafka::Message& msg, EventTime now) {
  auto it = partitions_.find(msg.partition());
  if (it == partitions_.end() || it->second->broken) return;
  PartitionState& ps = *it->second;
  const Offset offset(msg.offset());
  if (ps.task.Processed(offset)) return;  // re-delivery after a seek
  probe_->consumed.fetch_add(1, std::memory_order_relaxed);
  // A gap in the offsets may jump past the point where the re-read catches up.
  ps.task.CatchUp(offset);
  Result<ParseOutcome> outcome = Parse(msg);
  if (!outcome.ok()) return RegistryFailed(ps, outcome.status());
  const Status st = HandleRecord(ps, msg, std::move(*outcome), now);
  if (!st.ok()) {
    log::Error(kLog, "partition {}: {}", ps.task.partition().id(), st.message());
    (st.code() == StatusCode::kIoError ? probe_->lake_errors : probe_->kafka_errors)
        .fetch_add(1, std::memory_order_relaxed);
    probe_->SetLastError(st.message());
    Break(ps);
    return;
  }
  ps.task.Handled(offset);
  // Backpressure: a slow or full lake disk holds at most one buffer in writing and one full behind it.
  if (ps.seal && !ps.paused && lake_->Full(ps.task.partition())) SetPaused(ps, true);
}

Status Pipeline::Impl::StartCommit(bool final_seal) {
  const EventTime now = WallClockNow();
  PendingCommit commit;
  commit.started = Clock::now();
  last_commit_ = commit.started;
  cadence_.Started();
  // The group's current generation and member id: the broker refuses offsets from an older generation.
  std::unique_ptr<RdKafka::ConsumerGroupMetadata> group_metadata(consumer_->groupMetadata());
  // The partitions' Kafka transactions are independent (one producer each): commit them concurrently,
  // so a commit costs one broker round trip rather than one per partition.
  std::vector<PartitionState*> kafka_commits;
  for (auto& [id, psp] : partitions_) {
    if (!psp->broken && psp->task.KafkaDue()) kafka_commits.push_back(psp.get());
  }
  std::vector<Status> kafka_results(kafka_commits.size());
  kafka_committer_.Run(kafka_commits.size(), [&](size_t i) {
    kafka_results[i] =
        kafka_commits[i]->producer->CommitWithOffset(kafka_commits[i]->task.next(), group_metadata.get());
  });
  for (size_t i = 0; i < kafka_commits.size(); ++i) {
    PartitionState* ps = kafka_commits[i];
    const Status& st = kafka_results[i];
    if (!st.ok()) {
      log::Error(kLog, "{}", st.message());
      probe_->kafka_errors.fetch_add(1, std::memory_order_relaxed);
      probe_->SetLastError(st.message());
      Break(*ps);
      continue;
    }
    ps->task.KafkaCommitted();
  }
  const int64_t kafka_micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - commit.started).count();
  probe_->last_kafka_commit_micros.store(kafka_micros, std::memory_order_relaxed);
  if (!kafka_commits.empty())
    probe_->kafka_commit_micros_total.fetch_add(kafka_micros, std::memory_order_relaxed);
  // Sealing one partition's lake buffer per commit spreads the cost of Parquet encoding and engine
  // snapshots; partitions take turns, so one that fills fastest cannot keep the others waiting.
  const std::optional<int32_t> to_seal = final_seal ? std::nullopt : NextToSeal(now);
  for (auto& [id, psp] : partitions_) {
    PartitionState& ps = *psp;
    if (ps.broken || ps.task.replaying()) continue;
    // Taken before a seal's snapshot, which then holds no changes left to commit.
    auto changes = std::make_unique<Changes>();
    ps.task.engine().TakeChanges(changes.get());
    std::vector<Batch> written;
    std::optional<std::pair<Offset, std::string>> snapshot;
    // A lake batch written in the background is recorded now; at a graceful stop it is waited for, and
    // the tail is sealed and recorded too.
    if (ps.seal) CS_RETURN_NOT_OK(CollectSeal(ps, /*wait=*/final_seal, &written, &snapshot));
    if (final_seal) {
      StartSeal(ps);
      if (ps.seal) CS_RETURN_NOT_OK(CollectSeal(ps, /*wait=*/true, &written, &snapshot));
    } else if (to_seal == id) {
      last_sealed_ = id;
      StartSeal(ps);
    }
    std::optional<pg::PartitionCommit> taken =
        ps.task.TakeCommit(changes.get(), written, std::move(snapshot));
    if (!taken) continue;
    commit.Add(std::move(*taken), std::move(changes), std::move(written));
  }
  probe_->lake_retrying.store(
      std::any_of(partitions_.begin(), partitions_.end(),
                  [](const auto& entry) { return entry.second->seal && entry.second->seal->failures() > 0; }),
      std::memory_order_relaxed);
  probe_->last_commit_pass_unix_micros.store(now.micros(), std::memory_order_relaxed);
  if (commit.commits.empty()) {
    PublishGauges();
    return Status::OK();
  }
  committer_->Start(std::move(commit));
  return Status::OK();
}

std::optional<int32_t> Pipeline::Impl::NextToSeal(EventTime now) const {
  const auto due = [&](const auto& entry) {
    const PartitionState& ps = *entry.second;
    return !ps.broken && !ps.task.replaying() && !ps.seal && lake_->ShouldSeal(ps.task.partition(), now);
  };
  const auto after = partitions_.upper_bound(last_sealed_);
  if (auto it = std::find_if(after, partitions_.end(), due); it != partitions_.end()) return it->first;
  if (auto it = std::find_if(partitions_.begin(), after, due); it != after) return it->first;
  return std::nullopt;
}

void Pipeline::Impl::StartSeal(PartitionState& ps) {
  std::optional<LakeWriter::TakenRows> taken = lake_->Take(ps.task.partition());
  if (!taken) return;
  ps.seal.emplace(lake_.get(), std::move(*taken), ps.task.next(), ps.task.engine().SaveState(),
                  kRecoveryBackoff);
}

Status Pipeline::Impl::CollectSeal(PartitionState& ps, bool wait, std::vector<Batch>* written,
                                   std::optional<std::pair<Offset, std::string>>* snapshot) {
  Result<std::optional<LakeSeal::Written>> collected = ps.seal->Collect(wait);
  if (!collected.ok()) {
    probe_->lake_errors.fetch_add(1, std::memory_order_relaxed);
    probe_->SetLastError(collected.status().message());
    if (wait) return collected.status();
    // A full disk is waited out: results and topics go on meanwhile, until the partition's next buffer
    // is full too and pauses it.
    log::Warn(kLog, "partition {}: {} (retrying in {} s)", ps.task.partition().id(),
              collected.status().message(),
              std::chrono::duration_cast<std::chrono::seconds>(ps.seal->last_backoff()).count());
    return Status::OK();
  }
  if (!*collected) return Status::OK();
  written->push_back(std::move((*collected)->batch));
  snapshot->emplace((*collected)->end, std::move((*collected)->snapshot));
  ps.seal.reset();
  if (ps.paused) SetPaused(ps, false);
  return Status::OK();
}

void Pipeline::Impl::SetPaused(PartitionState& ps, bool paused) {
  std::vector<RdKafka::TopicPartition*> tp = {
      RdKafka::TopicPartition::create(options_.input_topic, ps.task.partition().id())};
  // Pausing drops the records already fetched; resuming fetches again after the last one consumed.
  const RdKafka::ErrorCode code = paused ? consumer_->pause(tp) : consumer_->resume(tp);
  RdKafka::TopicPartition::destroy(tp);
  if (code != RdKafka::ERR_NO_ERROR) {
    log::Error(kLog, "partition {}: pause or resume failed: {}", ps.task.partition().id(),
               RdKafka::err2str(code));
    return;
  }
  ps.paused = paused;
  log::Info(kLog, "partition {} {}", ps.task.partition().id(),
            paused ? "paused: its lake buffer is full while the previous one is being written" : "resumed");
}

Status Pipeline::Impl::FinishCommit(bool wait) {
  std::optional<CommitCoordinator::Finished> finished = committer_->Finish(wait);
  if (!finished) return Status::OK();
  CS_RETURN_NOT_OK(finished->status);
  const PendingCommit& commit = finished->commit;
  for (const Partition p : commit.fenced) {
    // Another process claimed it. This one may be a zombie that lost the group without knowing yet: it
    // claims the partition again only if still assigned one session timeout later, when its consumer
    // would have found out.
    if (auto it = partitions_.find(p.id()); it != partitions_.end()) {
      Forget(*it->second);
      it->second = Dropped(p, it->second->recoveries, std::chrono::milliseconds(options_.session_timeout_ms));
    }
  }
  for (size_t i = 0; i < commit.commits.size(); ++i) {
    if (auto it = partitions_.find(commit.commits[i].partition.id());
        it != partitions_.end() && it->second->task.fence() == commit.commits[i].fence) {
      PartitionState& ps = *it->second;
      if (ps.task.Committed(commit.commits[i], !commit.batches[i].empty())) ps.recoveries = 0;
    }
    for (const Batch& batch : commit.batches[i]) {
      probe_->lake_files.fetch_add(static_cast<int64_t>(batch.files.size()), std::memory_order_relaxed);
    }
  }
  probe_->commits.fetch_add(1, std::memory_order_relaxed);
  PublishGauges();
  return Status::OK();
}

Status Pipeline::Impl::CommitNow(bool final_seal) {
  CS_RETURN_NOT_OK(StartCommit(final_seal));
  return FinishCommit(/*wait=*/true);
}

void Pipeline::Impl::Break(PartitionState& ps, Clock::duration at_least) {
  ps.broken = true;
  ps.recover_at = Clock::now() + std::max<Clock::duration>(at_least, kRecoveryBackoff.After(ps.recoveries));
}

void Pipeline::Impl::Forget(PartitionState& ps) {
  if (ps.paused) SetPaused(ps, false);
  lake_->Discard(ps.task.partition());
}

std::unique_ptr<PartitionState> Pipeline::Impl::Dropped(Partition p, int recoveries,
                                                        Clock::duration at_least) {
  auto ps = std::make_unique<PartitionState>(PartitionTask(
      p, RecoveredPartition{0, PartitionEngine(options_.engine), Offset(0), Offset(0), false}, Offset(0)));
  ps->recoveries = recoveries;
  Break(*ps, at_least);
  return ps;
}

std::set<int32_t> Pipeline::Impl::Assigned() {
  std::set<int32_t> out;
  std::vector<RdKafka::TopicPartition*> tps;
  if (consumer_->assignment_lost() || consumer_->assignment(tps) != RdKafka::ERR_NO_ERROR) return out;
  for (const RdKafka::TopicPartition* tp : tps) out.insert(tp->partition());
  RdKafka::TopicPartition::destroy(tps);
  return out;
}

bool Pipeline::Impl::RecoveryDue() const {
  const auto now = Clock::now();
  return std::any_of(partitions_.begin(), partitions_.end(), [now](const auto& entry) {
    return entry.second->broken && entry.second->recover_at <= now;
  });
}

// A partition whose sink failed, or that was fenced, restarts from its durable state by claiming it
// again and seeking to the replay point: not at once when it keeps failing, and only while assigned.
Status Pipeline::Impl::RecoverBroken() {
  const std::set<int32_t> assigned = Assigned();
  for (auto& [id, psp] : partitions_) {
    if (!psp->broken || Clock::now() < psp->recover_at) continue;
    if (!assigned.contains(id)) {
      psp->recover_at = Clock::now() + std::chrono::seconds(1);  // a revocation is on its way
      continue;
    }
    const Partition p = psp->task.partition();
    const int recoveries = psp->recoveries + 1;
    probe_->recoveries.fetch_add(1, std::memory_order_relaxed);
    Forget(*psp);
    psp.reset();
    std::unique_ptr<PartitionState> fresh;
    const Status st = Claim(p, &fresh);
    if (st.code() == StatusCode::kRefused) return st;
    if (!st.ok()) {
      log::Error(kLog, "recovering partition {} failed: {}", p.id(), st.message());
      psp = Dropped(p, recoveries);
      continue;
    }
    fresh->recoveries = recoveries;
    std::unique_ptr<RdKafka::TopicPartition> tp(RdKafka::TopicPartition::create(
        options_.input_topic, p.id(),
        fresh->task.next().value() > 0 ? fresh->task.next().value() : RdKafka::Topic::OFFSET_BEGINNING));
    const RdKafka::ErrorCode code = consumer_->seek(*tp, options_.timeout_ms);
    if (code != RdKafka::ERR_NO_ERROR) {
      log::Error(kLog, "seek failed on partition {}: {}", p.id(), RdKafka::err2str(code));
      Break(*fresh);
    }
    psp = std::move(fresh);
  }
  return Status::OK();
}

std::optional<int64_t> Pipeline::Impl::Lag(const PartitionState& ps) {
  int64_t low = 0, high = 0;
  if (consumer_->get_watermark_offsets(options_.input_topic, ps.task.partition().id(), &low, &high) !=
          RdKafka::ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return std::max<int64_t>(0, high - ps.task.next().value());
}

void Pipeline::Impl::PublishGauges() {
  std::map<int32_t, PartitionGauges> gauges;
  for (const auto& [id, ps] : partitions_) {
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
  probe_->SetThread(thread_, {member_id_, static_cast<int64_t>(partitions_.size())});
}

void Pipeline::Impl::PrintStatus() {
  const auto now = Clock::now();
  const double secs = std::chrono::duration<double>(now - last_status_).count();
  const int64_t consumed = probe_->consumed.load();
  if (consumed == consumed_at_last_status_ && secs < 30) return;  // idle: a line every 30 s is enough
  int64_t lag = 0;
  std::string parts;
  for (const auto& [id, ps] : partitions_) {
    lag += Lag(*ps).value_or(0);
    parts += (parts.empty() ? "" : ",") + std::to_string(id);
  }
  const std::string thread = options_.threads > 1 ? "thread " + std::to_string(thread_) + ": " : "";
  log::Info(
      kLog,
      "{}partitions [{}] {:.0f} events/s | accepted {} late {} rejected {} | lag {} | last commit {:.0f} ms "
      "ago (took {:.1f} ms: kafka {:.1f}, postgres {:.1f})",
      thread, parts, (consumed - consumed_at_last_status_) / std::max(secs, 1e-9), probe_->accepted.load(),
      probe_->late.load(), probe_->rejected_total(), lag,
      std::chrono::duration<double, std::milli>(now - last_commit_).count(),
      probe_->last_commit_micros.load() / 1000.0, probe_->last_kafka_commit_micros.load() / 1000.0,
      probe_->last_db_commit_micros.load() / 1000.0);
  consumed_at_last_status_ = consumed;
  last_status_ = now;
}

bool Pipeline::Impl::GivingUp() {
  if (!stop_ || !stop_()) return false;
  const Clock::rep now = Clock::now().time_since_epoch().count();
  Clock::rep seen = 0;
  if (stop_seen_.compare_exchange_strong(seen, now)) return false;
  return Clock::duration(now - seen) > kStopGrace;
}

std::string Pipeline::Impl::Uncommitted() const {
  std::string out;
  for (const auto& [id, ps] : partitions_) {
    if (ps->broken) continue;
    out += (out.empty() ? "partition " : ", ") + std::to_string(id) + " from offset " +
           std::to_string(ps->task.db_committed().value());
  }
  return out.empty() ? "none" : out;
}

Status Pipeline::Impl::Run(const std::function<bool()>& stop) {
  stop_ = stop;
  const Status st = Consume();
  if (st.ok() || !st.retryable() || !stop()) return st;
  return Status::Unavailable("stopped before the last results were committed (" + st.message() +
                             "); results not in PostgreSQL: " + Uncommitted() +
                             "; a restart re-reads them, nothing committed is lost");
}

Status Pipeline::Impl::Consume() {
  const auto status_interval = std::chrono::seconds(options_.status_interval_s);
  probe_->state.store(PipelineProbe::State::kRunning, std::memory_order_relaxed);
  while (!stop_()) {
    // While a commit is being written, come back often to start the next one as soon as it is done.
    std::unique_ptr<RdKafka::Message> msg(
        consumer_->consume(committer_->pending() ? 1 : std::min(options_.commit_interval_ms, 100)));
    if (!rebalance_error_.ok()) return rebalance_error_;
    if (member_id_stale_) {
      member_id_ = consumer_->memberid();
      member_id_stale_ = false;
    }
    if (msg->err() == RdKafka::ERR_NO_ERROR) {
      // One clock read per record serves the freshness budget and the processing timestamp.
      const EventTime now = WallClockNow();
      cadence_.Read(RecordAge(*msg, now));
      Handle(*msg, now);
    } else if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF) {
      log::Warn(kLog, "kafka: {}", msg->errstr());
    }
    CS_RETURN_NOT_OK(FinishCommit(
        /*wait=*/committer_->pending() && Clock::now() - committer_->started() > kMaxCommitOverlap));
    if (!committer_->pending() && cadence_.Due(Clock::now() - last_commit_)) {
      CS_RETURN_NOT_OK(StartCommit(/*final_seal=*/false));
      if (RecoveryDue()) {
        CS_RETURN_NOT_OK(
            FinishCommit(/*wait=*/true));  // recovering claims partitions on the sink's connection
        CS_RETURN_NOT_OK(RecoverBroken());
      }
    }
    if (options_.status_interval_s > 0 && Clock::now() - last_status_ >= status_interval) PrintStatus();
  }
  probe_->state.store(PipelineProbe::State::kStopping, std::memory_order_relaxed);
  log::Info(kLog, "stopping: final commit");
  CS_RETURN_NOT_OK(FinishCommit(/*wait=*/true));
  CS_RETURN_NOT_OK(CommitNow(/*final_seal=*/true));
  consumed_at_last_status_ = -1;  // always report the final figures
  PrintStatus();
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
