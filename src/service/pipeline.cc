#include "service/pipeline.h"

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/json_writer.h"
#include "common/wall_clock.h"
#include "engine/partition_engine.h"
#include "format/event_json.h"
#include "kafka/client_config.h"
#include "kafka/error_reporter.h"
#include "kafka/kafka_status.h"
#include "kafka/transactional_producer.h"
#include "lake/lake_writer.h"
#include "postgres/results_sink.h"
#include "service/postgres_retry.h"

namespace clickstream {
namespace {

using Clock = std::chrono::steady_clock;

// Consumption goes on while a commit is written, but not for longer than this: when PostgreSQL is slow
// or away, the process stops reading instead of buffering without bound (and the open Kafka
// transactions stay far from the broker's transaction timeout).
constexpr auto kMaxCommitOverlap = std::chrono::seconds(2);
// A commit slower than this is logged with where its time went.
constexpr int64_t kSlowCommitMicros = 2'000'000;
// After a stop request, PostgreSQL has this long to take the last commit; then the process gives up on
// it (a restart re-reads what was not committed), so that a stop during an outage ends in bounded time.
constexpr auto kStopGrace = std::chrono::seconds(8);

void Log(const char* fmt, const std::string& a, const std::string& b = "") {
  std::fprintf(stderr, fmt, a.c_str(), b.c_str());
  std::fputc('\n', stderr);
}

// Everything the process holds for one assigned input partition.
struct PartitionState {
  PartitionState(Partition p, int64_t fence_token, const EngineOptions& options)
      : partition(p), fence(fence_token), engine(options) {}

  Partition partition;
  int64_t fence = 0;
  PartitionEngine engine;
  std::unique_ptr<kafka::TransactionalProducer> producer;
  Offset next;             // next offset to process
  Offset results_from;     // offsets below this are already in PostgreSQL (C at claim time)
  Offset kafka_from;       // offsets below this are already in the enriched topic / DLQ (E at claim time)
  Offset kafka_committed;  // the offset last committed with the Kafka transaction
  Offset db_committed;     // the offset last committed to PostgreSQL
  std::vector<pg::LateEventRecord> late;
  bool replaying = false;  // re-reading offsets whose results PostgreSQL already holds
  bool broken = false;     // a Kafka transaction failed: recover from durable state

  // A sealed lake buffer being written on a background thread. The first commit after it is written
  // records it together with the engine snapshot taken where it ends; until then it is invisible, and
  // a crash only leaves hidden files that the next claim deletes.
  struct Seal {
    std::future<Result<Batch>> written;
    Offset end;            // first offset after the batch: the snapshot is valid there
    std::string snapshot;  // engine state at `end`
  };
  std::optional<Seal> seal;
};

// A commit whose PostgreSQL transaction is written (and lake files published) on a background thread
// while the consuming thread goes on with the next records. It owns everything it writes; the consuming
// thread leaves the sink alone until the commit is finished.
struct PendingCommit {
  Clock::time_point started;
  std::vector<std::unique_ptr<Changes>> changes;  // what commits[i].changes point to
  std::vector<pg::PartitionCommit> commits;
  std::vector<std::vector<Batch>> batches;  // per commit: lake batches it records, published after it
  std::future<Status> done;
};

}  // namespace

class Pipeline::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(const PipelineOptions& options, PipelineProbe* probe)
      : options_(options), probe_(probe), retry_(probe, [this] { return GivingUp(); }) {
    options_.db.interrupted = [this] { return GivingUp(); };
  }

  Status Connect();
  Status Run(bool (*stop)());

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;

 private:
  Status Claim(Partition p, std::unique_ptr<PartitionState>* out);
  void Handle(RdKafka::Message& msg);
  void EndReplay(PartitionState& ps);
  Status HandleRecord(PartitionState& ps, RdKafka::Message& msg, EventTime now);
  // Commits every partition's Kafka transaction, then hands its results to a background commit;
  // with `final_seal`, every lake buffer is sealed too (graceful stop).
  // REQUIRES: no commit pending.
  Status StartCommit(bool final_seal);
  // Starts writing the partition's lake buffer on a background thread, if it holds rows.
  void StartSeal(PartitionState& ps);
  // Moves the partition's written lake batch and its snapshot into the commit being built (waits for
  // the write). Errors are lake errors: the process stops.
  Status RecordSeal(PartitionState& ps, std::vector<Batch>* written,
                    std::optional<std::pair<Offset, std::string>>* snapshot);
  // The background part of a commit: the PostgreSQL transaction, then publishing its lake files.
  Status WriteCommit(PendingCommit& commit);
  // Takes in the pending commit's outcome, if any: waits for it, or with `wait` false only if it is done.
  Status FinishCommit(bool wait);
  // StartCommit and wait for the outcome.
  Status CommitNow(bool final_seal);
  Status CommitToDatabase(std::vector<pg::PartitionCommit>& commits);
  bool AnyBroken() const;
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

  PipelineOptions options_;
  PipelineProbe* probe_;
  bool (*stop_)() = nullptr;
  std::atomic<Clock::rep> stop_seen_{0};  // when GivingUp() first saw the stop request
  PostgresRetry retry_;
  kafka::ErrorReporter kafka_errors_{"run"};
  kafka::ConfigPairs producer_config_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<pg::ResultsSink> sink_;
  std::unique_ptr<LakeWriter> lake_;
  std::map<int32_t, std::unique_ptr<PartitionState>> partitions_;
  EventParser parser_;
  std::string scratch_;
  Status rebalance_error_;
  std::optional<PendingCommit> pending_;
  Clock::time_point last_commit_ = Clock::now();
  Clock::time_point last_status_ = Clock::now();
  int64_t consumed_at_last_status_ = 0;
};

Status Pipeline::Impl::Connect() {
  RETURN_NOT_OK(options_.engine.Validate());
  if (options_.commit_interval_ms <= 0) {
    return Status::InvalidArgument("--commit-interval-ms (COMMIT_INTERVAL_MS) must be positive");
  }
  ASSIGN_OR_RETURN(auto sink, pg::ResultsSink::Open(options_.db));
  sink_ = std::make_unique<pg::ResultsSink>(std::move(sink));

  LakeOptions lake_options;
  lake_options.root = options_.lake_dir;
  lake_options.writer_id = "w" + std::to_string(::getpid());
  lake_options.roll_bytes = options_.lake_roll_bytes;
  lake_options.roll_age = Duration::Seconds(options_.lake_roll_age_s);
  ASSIGN_OR_RETURN(lake_, LakeWriter::Open(lake_options));

  producer_config_ = {{"bootstrap.servers", options_.bootstrap_servers},
                      {"linger.ms", "5"},
                      {"retry.backoff.ms", "10"},
                      {"batch.num.messages", "10000"},
                      {"compression.type", "lz4"},
                      {"log_level", "0"}};
  ASSIGN_OR_RETURN(auto conf, kafka::MakeConf({
                                  {"bootstrap.servers", options_.bootstrap_servers},
                                  {"group.id", options_.group_id},
                                  {"enable.auto.commit", "false"},
                                  {"enable.auto.offset.store", "false"},
                                  {"auto.offset.reset", "earliest"},
                                  // Eager rebalancing: librdkafka 2.0.2's cooperative mode has known bugs.
                                  {"partition.assignment.strategy", "range"},
                                  {"isolation.level", "read_committed"},
                                  {"fetch.wait.max.ms", "10"},
                                  // Prefetch at most 16 MB per partition rather than 64 MB. Not less: when
                                  // a partition's queue is full, librdkafka 2.0.2 waits 1 s before fetching
                                  // it again, so the queue must hold more than a second of input (4 MB
                                  // starved the engine: 97k instead of 109k events/s).
                                  {"queued.max.messages.kbytes", "16384"},
                                  // A crashed member's partitions move on after this long.
                                  {"session.timeout.ms", std::to_string(options_.session_timeout_ms)},
                                  {"log_level", "0"},
                              }));
  std::string err;
  conf->set("event_cb", static_cast<RdKafka::EventCb*>(&kafka_errors_), err);
  if (!options_.instance_id.empty() &&
      conf->set("group.instance.id", options_.instance_id, err) != RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument("--instance-id: " + err);
  }
  conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err);
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) return Status::InvalidArgument("kafka: create consumer: " + err);
  RETURN_NOT_OK(kafka::CheckReachable(consumer_.get(), options_.bootstrap_servers, 10000));
  return kafka::FromRdKafka(consumer_->subscribe({options_.input_topic}),
                            "subscribe to " + options_.input_topic);
}

Status Pipeline::Impl::Claim(Partition p, std::unique_ptr<PartitionState>* out) {
  pg::PartitionClaim claim;
  RETURN_NOT_OK(retry_.Run("claim of partition " + std::to_string(p.id()), [&] {
    ASSIGN_OR_RETURN(claim, sink_->Claim(p));
    return Status::OK();
  }));
  std::vector<Batch> batches;
  for (const auto& text : claim.lake_batches) {
    ASSIGN_OR_RETURN(Batch b, Batch::Parse(text));
    batches.push_back(std::move(b));
  }
  RETURN_NOT_OK(lake_->Recover(p, batches));

  auto ps = std::make_unique<PartitionState>(p, claim.fence, options_.engine);
  if (claim.snapshot) {
    ASSIGN_OR_RETURN(ps->engine, PartitionEngine::Restore(claim.snapshot->second, options_.engine));
    ps->next = claim.snapshot->first;
  }
  ps->results_from = claim.next_offset.value_or(Offset(0));
  ps->db_committed = ps->results_from;
  ps->replaying = ps->next < ps->results_from;

  // Starting the producer fences an older owner's producer and aborts its open transaction, after
  // which the group offset is the exact progress of the enriched topic.
  ASSIGN_OR_RETURN(
      ps->producer,
      kafka::TransactionalProducer::Start(
          producer_config_, options_.group_id + "-" + options_.input_topic + "-" + std::to_string(p.id()),
          options_.timeout_ms, &kafka_errors_));
  std::vector<RdKafka::TopicPartition*> tp = {RdKafka::TopicPartition::create(options_.input_topic, p.id())};
  const RdKafka::ErrorCode code = consumer_->committed(tp, options_.timeout_ms);
  const int64_t committed = tp[0]->offset();
  RdKafka::TopicPartition::destroy(tp);
  RETURN_NOT_OK(kafka::FromRdKafka(code, "read committed offsets"));
  ps->kafka_from = Offset(committed >= 0 ? committed : 0);
  ps->kafka_committed = ps->kafka_from;
  std::fprintf(stderr,
               "run: partition %d claimed (fence %lld): replay from offset %lld, results from %lld, enriched "
               "from %lld\n",
               p.id(), static_cast<long long>(ps->fence), static_cast<long long>(ps->next.value()),
               static_cast<long long>(ps->results_from.value()),
               static_cast<long long>(ps->kafka_from.value()));
  *out = std::move(ps);
  return Status::OK();
}

void Pipeline::Impl::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                                  std::vector<RdKafka::TopicPartition*>& partitions) {
  // Claims and commits below use the PostgreSQL connection the background commit holds.
  if (const Status st = FinishCommit(/*wait=*/true); !st.ok()) rebalance_error_ = st;
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    for (auto* tp : partitions) {
      std::unique_ptr<PartitionState> ps;
      Status st = Claim(Partition(tp->partition()), &ps);
      // A broker that went away during the claim: wait for it rather than lose the assignment (Claim
      // itself waits for PostgreSQL).
      for (int attempt = 1; st.retryable() && attempt <= 30 && !GivingUp(); ++attempt) {
        Log("run: claiming partition failed, retrying: %s%s", st.message());
        std::this_thread::sleep_for(std::chrono::seconds(1));
        st = Claim(Partition(tp->partition()), &ps);
      }
      if (!st.ok()) {
        rebalance_error_ = st;
        tp->set_offset(RdKafka::Topic::OFFSET_END);
        continue;
      }
      tp->set_offset(ps->next.value() > 0 ? ps->next.value() : RdKafka::Topic::OFFSET_BEGINNING);
      partitions_[tp->partition()] = std::move(ps);
    }
    consumer->assign(partitions);
  } else {
    // Revoked: make what was processed durable; the next owner replays the lake buffer from L.
    const Status st = CommitNow(/*final_seal=*/false);
    if (!st.ok()) Log("run: commit before giving up partitions failed: %s%s", st.message());
    for (auto* tp : partitions) {
      lake_->Discard(Partition(tp->partition()));
      partitions_.erase(tp->partition());
    }
    consumer->unassign();
  }
  PublishGauges();
}

Status Pipeline::Impl::HandleRecord(PartitionState& ps, RdKafka::Message& msg, EventTime now) {
  const Offset offset(msg.offset());
  const bool write_kafka = offset >= ps.kafka_from;
  const bool write_results = offset >= ps.results_from;
  const std::string_view value(static_cast<const char*>(msg.payload()), msg.len());
  ParseOutcome outcome = parser_.Parse(value);
  if (!outcome.ok()) {
    const Rejection& r = outcome.rejection();
    probe_->rejected[static_cast<size_t>(r.reason)].fetch_add(1, std::memory_order_relaxed);
    if (!write_kafka) return Status::OK();
    const std::string_view key =
        msg.key_pointer() ? std::string_view(static_cast<const char*>(msg.key_pointer()), msg.key_len()) : "";
    return ps.producer->Send(options_.dlq_topic, key, value,
                             {{"reason", std::string(RejectReasonName(r.reason))},
                              {"detail", r.detail},
                              {"source_topic", options_.input_topic},
                              {"source_partition", std::to_string(ps.partition.id())},
                              {"source_offset", std::to_string(offset.value())}});
  }
  const Event& event = outcome.event();
  if (msg.key() == nullptr || *msg.key() != event.user_id)
    probe_->misrouted.fetch_add(1, std::memory_order_relaxed);
  const Watermark before = ps.engine.watermark();
  const Admission admission = ps.engine.Add(event);
  (admission.late ? probe_->late : probe_->accepted).fetch_add(1, std::memory_order_relaxed);
  if (admission.late && write_results) {
    ps.late.push_back({offset, LateEvent{event, admission.lateness}, before});
  }
  RETURN_NOT_OK(lake_->Append(ps.partition, offset, LakeRow::Of(event, admission.late, now)));
  if (!write_kafka) return Status::OK();
  scratch_.clear();
  JsonWriter w(&scratch_);
  w.Begin();
  WriteEventFields(event, &w);
  w.Field("processing_time", now);
  w.Field("is_late", admission.late);
  w.End();
  return ps.producer->Send(options_.enriched_topic, event.user_id, scratch_);
}

void Pipeline::Impl::Handle(RdKafka::Message& msg) {
  auto it = partitions_.find(msg.partition());
  if (it == partitions_.end() || it->second->broken) return;
  PartitionState& ps = *it->second;
  const Offset offset(msg.offset());
  if (offset < ps.next) return;  // already processed (re-delivery after a seek)
  probe_->consumed.fetch_add(1, std::memory_order_relaxed);
  // A gap in the offsets may jump past the point where the re-read catches up.
  if (offset >= ps.results_from) EndReplay(ps);
  const Status st = HandleRecord(ps, msg, WallClockNow());
  if (!st.ok()) {
    Log("run: partition %s: %s", std::to_string(ps.partition.id()), st.message());
    (st.code() == StatusCode::kIoError ? probe_->lake_errors : probe_->kafka_errors)
        .fetch_add(1, std::memory_order_relaxed);
    probe_->SetLastError(st.message());
    ps.broken = true;
    return;
  }
  ps.next = offset.Next();
  // Caught up exactly, perhaps at the end of the partition: commits (and the lake) resume now, not only
  // when the next record arrives.
  if (ps.next >= ps.results_from) EndReplay(ps);
}

// The re-read reached what PostgreSQL does not hold yet: the results so far are already written.
void Pipeline::Impl::EndReplay(PartitionState& ps) {
  if (!ps.replaying) return;
  Changes written;
  ps.engine.TakeChanges(&written);
  ps.replaying = false;
}

Status Pipeline::Impl::CommitToDatabase(std::vector<pg::PartitionCommit>& commits) {
  const Status st = retry_.Run("commit", [&] { return sink_->Commit(commits); });
  if (st.code() != StatusCode::kRefused) return st;
  return Status::Refused("PostgreSQL refused the results: " + st.message() +
                         "; the transaction was rolled back, nothing of it was written; once fixed, restart: "
                         "processing resumes from the last commit");
}

Status Pipeline::Impl::StartCommit(bool final_seal) {
  const EventTime now = WallClockNow();
  PendingCommit commit;
  commit.started = Clock::now();
  last_commit_ = commit.started;
  // The group's current generation and member id: the broker refuses offsets from an older generation.
  std::unique_ptr<RdKafka::ConsumerGroupMetadata> group_metadata(consumer_->groupMetadata());
  // The partitions' Kafka transactions are independent (one producer each): commit them concurrently,
  // so a commit costs one broker round trip rather than one per partition.
  std::vector<std::pair<PartitionState*, std::future<Status>>> kafka_commits;
  for (auto& [id, psp] : partitions_) {
    PartitionState& ps = *psp;
    if (ps.broken || ps.replaying || ps.next <= ps.kafka_committed) continue;
    kafka_commits.emplace_back(&ps, std::async(std::launch::async, [&ps, &group_metadata, this] {
      return ps.producer->CommitWithOffset(options_.input_topic, ps.partition, ps.next, group_metadata.get(),
                                           options_.timeout_ms);
    }));
  }
  for (auto& [ps, result] : kafka_commits) {
    const Status st = result.get();
    if (!st.ok()) {
      Log("run: %s%s", st.message());
      probe_->kafka_errors.fetch_add(1, std::memory_order_relaxed);
      probe_->SetLastError(st.message());
      ps->broken = true;
      continue;
    }
    ps->kafka_committed = ps->next;
  }
  const int64_t kafka_micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - commit.started).count();
  probe_->last_kafka_commit_micros.store(kafka_micros, std::memory_order_relaxed);
  if (!kafka_commits.empty())
    probe_->kafka_commit_micros_total.fetch_add(kafka_micros, std::memory_order_relaxed);
  // Partitions fill their lake buffers at about the same rate: sealing one per commit spreads the cost
  // of Parquet encoding and engine snapshots.
  bool sealing_started = false;
  for (auto& [id, psp] : partitions_) {
    PartitionState& ps = *psp;
    if (ps.broken || ps.replaying) continue;
    auto changes = std::make_unique<Changes>();
    ps.engine.TakeChanges(changes.get());
    std::vector<Batch> written;
    std::optional<std::pair<Offset, std::string>> snapshot;
    // A lake batch written in the background is recorded now; at a graceful stop it is waited for, and
    // the tail is sealed and recorded too.
    if (ps.seal &&
        (final_seal || ps.seal->written.wait_for(std::chrono::seconds(0)) == std::future_status::ready)) {
      RETURN_NOT_OK(RecordSeal(ps, &written, &snapshot));
    }
    if (final_seal) {
      StartSeal(ps);
      if (ps.seal) RETURN_NOT_OK(RecordSeal(ps, &written, &snapshot));
    } else if (!ps.seal && !sealing_started && lake_->ShouldSeal(ps.partition, now)) {
      sealing_started = true;
      StartSeal(ps);
    }
    if (ps.next == ps.db_committed && changes->empty() && ps.late.empty() && !snapshot) continue;
    commit.commits.push_back(pg::PartitionCommit{ps.partition,
                                                 ps.fence,
                                                 ps.next,
                                                 ps.engine.watermark(),
                                                 changes.get(),
                                                 std::move(ps.late),
                                                 {},
                                                 std::move(snapshot)});
    for (const Batch& batch : written) commit.commits.back().lake_batches.push_back(batch.Serialize());
    ps.late.clear();
    commit.changes.push_back(std::move(changes));
    commit.batches.push_back(std::move(written));
  }
  probe_->last_commit_pass_unix_micros.store(now.micros(), std::memory_order_relaxed);
  if (commit.commits.empty()) {
    PublishGauges();
    return Status::OK();
  }
  pending_ = std::move(commit);
  pending_->done = std::async(std::launch::async, [this] { return WriteCommit(*pending_); });
  return Status::OK();
}

void Pipeline::Impl::StartSeal(PartitionState& ps) {
  std::optional<LakeWriter::TakenRows> taken = lake_->Take(ps.partition);
  if (!taken) return;
  ps.seal.emplace(PartitionState::Seal{
      std::async(std::launch::async, [this, t = std::move(*taken)]() mutable { return lake_->Write(t); }),
      ps.next, ps.engine.SaveState()});
}

Status Pipeline::Impl::RecordSeal(PartitionState& ps, std::vector<Batch>* written,
                                  std::optional<std::pair<Offset, std::string>>* snapshot) {
  Result<Batch> batch = ps.seal->written.get();
  if (!batch.ok()) {
    probe_->lake_errors.fetch_add(1, std::memory_order_relaxed);
    return batch.status();
  }
  written->push_back(std::move(*batch));
  snapshot->emplace(ps.seal->end, std::move(ps.seal->snapshot));
  ps.seal.reset();
  return Status::OK();
}

Status Pipeline::Impl::WriteCommit(PendingCommit& commit) {
  const auto db_started = Clock::now();
  const Status st = CommitToDatabase(commit.commits);
  const int64_t db_micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - db_started).count();
  probe_->last_db_commit_micros.store(db_micros, std::memory_order_relaxed);
  probe_->db_commit_micros_total.fetch_add(db_micros, std::memory_order_relaxed);
  RETURN_NOT_OK(st);
  for (const pg::PartitionCommit& c : commit.commits) {
    probe_->db_rows_total.fetch_add(static_cast<int64_t>(c.late_events.size() + c.changes->result_rows()),
                                    std::memory_order_relaxed);
  }
  for (const auto& batches : commit.batches) {
    for (const Batch& batch : batches) RETURN_NOT_OK(lake_->Publish(batch));
  }
  const int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - commit.started).count();
  probe_->last_commit_micros.store(micros, std::memory_order_relaxed);
  probe_->ObserveCommit(micros);
  if (micros > kSlowCommitMicros) {
    std::fprintf(stderr, "run: slow commit: %.0f ms (kafka %.0f, postgres %.0f)\n", micros / 1e3,
                 probe_->last_kafka_commit_micros.load() / 1e3, probe_->last_db_commit_micros.load() / 1e3);
  }
  return Status::OK();
}

Status Pipeline::Impl::FinishCommit(bool wait) {
  if (!pending_) return Status::OK();
  if (!wait && pending_->done.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return Status::OK();
  const Status st = pending_->done.get();
  PendingCommit commit = std::move(*pending_);
  pending_.reset();
  if (st.code() == StatusCode::kFenced) {
    // Another process owns a partition now; it replays from the last durable point.
    Log("run: %s%s", st.message());
    for (const auto& c : commit.commits) {
      if (auto it = partitions_.find(c.partition.id()); it != partitions_.end()) it->second->broken = true;
    }
    return Status::OK();
  }
  RETURN_NOT_OK(st);
  for (size_t i = 0; i < commit.commits.size(); ++i) {
    if (auto it = partitions_.find(commit.commits[i].partition.id());
        it != partitions_.end() && it->second->fence == commit.commits[i].fence) {
      it->second->db_committed = commit.commits[i].next_offset;
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
  RETURN_NOT_OK(StartCommit(final_seal));
  return FinishCommit(/*wait=*/true);
}

bool Pipeline::Impl::AnyBroken() const {
  for (const auto& [id, ps] : partitions_) {
    if (ps->broken) return true;
  }
  return false;
}

// A partition whose Kafka transaction failed, or that was fenced, restarts from its durable state by
// claiming it again and seeking to the replay point.
Status Pipeline::Impl::RecoverBroken() {
  for (auto& [id, psp] : partitions_) {
    if (!psp->broken) continue;
    const Partition p = psp->partition;
    probe_->recoveries.fetch_add(1, std::memory_order_relaxed);
    lake_->Discard(p);
    psp.reset();
    std::unique_ptr<PartitionState> fresh;
    const Status st = Claim(p, &fresh);
    if (st.code() == StatusCode::kRefused) return st;
    if (!st.ok()) {
      Log("run: recovering partition %s failed: %s", std::to_string(p.id()), st.message());
      psp = std::make_unique<PartitionState>(p, 0, options_.engine);
      psp->broken = true;
      continue;
    }
    std::unique_ptr<RdKafka::TopicPartition> tp(RdKafka::TopicPartition::create(
        options_.input_topic, p.id(),
        fresh->next.value() > 0 ? fresh->next.value() : RdKafka::Topic::OFFSET_BEGINNING));
    const RdKafka::ErrorCode code = consumer_->seek(*tp, options_.timeout_ms);
    if (code != RdKafka::ERR_NO_ERROR) {
      Log("run: seek failed on partition %s: %s", std::to_string(p.id()), RdKafka::err2str(code));
      fresh->broken = true;
    }
    psp = std::move(fresh);
  }
  return Status::OK();
}

std::optional<int64_t> Pipeline::Impl::Lag(const PartitionState& ps) {
  int64_t low = 0, high = 0;
  if (consumer_->get_watermark_offsets(options_.input_topic, ps.partition.id(), &low, &high) !=
          RdKafka::ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return std::max<int64_t>(0, high - ps.next.value());
}

void Pipeline::Impl::PublishGauges() {
  std::map<int32_t, PartitionGauges> gauges;
  for (const auto& [id, ps] : partitions_) {
    PartitionGauges& g = gauges[id];
    if (const std::optional<int64_t> lag = Lag(*ps)) g.lag = *lag;
    const Watermark w = ps->engine.watermark();
    g.has_watermark = w.is_set();
    if (w.is_set()) g.watermark_micros = w.time().micros();
    g.committed_offset = ps->db_committed.value();
    g.open_windows = static_cast<int64_t>(ps->engine.open_windows());
    g.open_sessions = static_cast<int64_t>(ps->engine.open_sessions());
  }
  probe_->SetPartitions(std::move(gauges));
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
  std::fprintf(stderr,
               "run: partitions [%s] %.0f events/s | accepted %lld late %lld rejected %lld | lag %lld | "
               "last commit %.0f ms ago (took %.1f ms: kafka %.1f, postgres %.1f)\n",
               parts.c_str(), (consumed - consumed_at_last_status_) / std::max(secs, 1e-9),
               static_cast<long long>(probe_->accepted.load()), static_cast<long long>(probe_->late.load()),
               static_cast<long long>(probe_->rejected_total()), static_cast<long long>(lag),
               std::chrono::duration<double, std::milli>(now - last_commit_).count(),
               probe_->last_commit_micros.load() / 1000.0, probe_->last_kafka_commit_micros.load() / 1000.0,
               probe_->last_db_commit_micros.load() / 1000.0);
  consumed_at_last_status_ = consumed;
  last_status_ = now;
}

bool Pipeline::Impl::GivingUp() {
  if (stop_ == nullptr || !stop_()) return false;
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
           std::to_string(ps->db_committed.value());
  }
  return out.empty() ? "none" : out;
}

Status Pipeline::Impl::Run(bool (*stop)()) {
  stop_ = stop;
  const Status st = Consume();
  if (st.ok() || !st.retryable() || !stop()) return st;
  return Status::Unavailable("stopped before the last results were committed (" + st.message() +
                             "); results not in PostgreSQL: " + Uncommitted() +
                             "; a restart re-reads them, nothing committed is lost");
}

Status Pipeline::Impl::Consume() {
  const auto commit_interval = std::chrono::milliseconds(options_.commit_interval_ms);
  const auto status_interval = std::chrono::seconds(options_.status_interval_s);
  probe_->state.store(PipelineProbe::State::kRunning, std::memory_order_relaxed);
  while (!stop_()) {
    // While a commit is being written, come back often to start the next one as soon as it is done.
    std::unique_ptr<RdKafka::Message> msg(
        consumer_->consume(pending_ ? 1 : std::min(options_.commit_interval_ms, 100)));
    if (!rebalance_error_.ok()) return rebalance_error_;
    if (msg->err() == RdKafka::ERR_NO_ERROR) {
      Handle(*msg);
    } else if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF) {
      Log("run: kafka: %s%s", msg->errstr());
    }
    RETURN_NOT_OK(FinishCommit(/*wait=*/pending_ && Clock::now() - pending_->started > kMaxCommitOverlap));
    if (!pending_ && Clock::now() - last_commit_ >= commit_interval) {
      RETURN_NOT_OK(StartCommit(/*final_seal=*/false));
      if (AnyBroken()) {
        RETURN_NOT_OK(FinishCommit(/*wait=*/true));  // recovering claims partitions on the sink's connection
        RETURN_NOT_OK(RecoverBroken());
      }
    }
    if (options_.status_interval_s > 0 && Clock::now() - last_status_ >= status_interval) PrintStatus();
  }
  probe_->state.store(PipelineProbe::State::kStopping, std::memory_order_relaxed);
  std::fprintf(stderr, "run: stopping: final commit\n");
  RETURN_NOT_OK(FinishCommit(/*wait=*/true));
  RETURN_NOT_OK(CommitNow(/*final_seal=*/true));
  consumed_at_last_status_ = -1;  // always report the final figures
  PrintStatus();
  consumer_->close();
  return Status::OK();
}

Result<std::unique_ptr<Pipeline>> Pipeline::Start(const PipelineOptions& options, PipelineProbe* probe) {
  auto impl = std::make_unique<Impl>(options, probe);
  RETURN_NOT_OK(impl->Connect());
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;

Status Pipeline::Run(bool (*stop)()) { return impl_->Run(stop); }

}  // namespace clickstream
