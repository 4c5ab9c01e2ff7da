#include "kafka/transactional_producer.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <thread>

#include "kafka/kafka_status.h"
#include "protocol/backoff.h"

namespace clickstream::kafka {
namespace {

// A transactional step librdkafka calls retriable is retried until the commit's timeout.
constexpr RetryPolicy kStepRetry{.initial = std::chrono::milliseconds(200), .max = std::chrono::seconds(2)};

// Does nothing with a report; being set is its purpose. librdkafka's flush (which commit_transaction
// calls) polls for delivery reports in waits of up to 10 ms and checks for undelivered records between
// them: without a report callback nothing ends a wait early, so every commit waited ~10 ms after its
// records were acknowledged. Failed deliveries need no handling here: they fail the commit.
class WakeFlush final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& /*message*/) override {}
};

// A C API error (rd_kafka_error_t, owned) behind the C++ API's interface, so that one path reads both.
class CError final : public RdKafka::Error {
 public:
  explicit CError(rd_kafka_error_t* error) : error_(error) {}
  ~CError() override { rd_kafka_error_destroy(error_); }
  CError(const CError&) = delete;
  CError& operator=(const CError&) = delete;

  RdKafka::ErrorCode code() const override {
    return static_cast<RdKafka::ErrorCode>(rd_kafka_error_code(error_));
  }
  std::string name() const override { return rd_kafka_error_name(error_); }
  std::string str() const override { return rd_kafka_error_string(error_); }
  bool is_fatal() const override { return rd_kafka_error_is_fatal(error_) != 0; }
  bool is_retriable() const override { return rd_kafka_error_is_retriable(error_) != 0; }
  bool txn_requires_abort() const override { return rd_kafka_error_txn_requires_abort(error_) != 0; }

 private:
  rd_kafka_error_t* error_;
};

}  // namespace

Result<std::unique_ptr<TransactionalProducer>> TransactionalProducer::Start(
    const ConfigPairs& base, const std::string& transactional_id, int timeout_ms, RdKafka::EventCb* events) {
  // Batches are closed by size or by the commit's flush, not by the clock: records are invisible until
  // their commit (read_committed) and CommitWithOffset flushes, so a long linger delays nothing. A short
  // one made stalls of seconds: an idempotent producer has at most 5 requests in flight per partition,
  // and while they are out and the oldest queued record's linger has passed, librdkafka's broker thread
  // polls without sleeping until an answer comes. With 5 ms, a broker slow for 25 ms set each
  // partition's producer spinning, which on cores shared with the broker delayed its answers further.
  //
  // Idle connections close after 10 s: send_offsets_to_transaction waits for the group coordinator, and
  // librdkafka (up to 2.16 at least, issues #5456 and #5511) retries finding it only when one of the
  // producer's broker connections changes state. After a broker restart the wait never ended; a closed
  // idle connection is such a change, and reconnecting costs a round trip.
  //
  // No re-bootstrap (KIP-899/1102, on by default in librdkafka 2.16): when every known broker is down at
  // once (a one-broker cluster restarting), librdkafka re-bootstraps and decommissions the brokers it
  // had learned, but keeps the decommissioned one cached as the group coordinator: a
  // send_offsets_to_transaction in flight then waits forever for it to come up (issue #5511), and the
  // commit's timeout does not end the wait (#5456). Seen as a pipeline that stopped committing, with no
  // error, after a broker restart. Without re-bootstrap the broker thread stays and reconnects.
  ConfigPairs pairs = {{"linger.ms", "1000"},
                       {"batch.num.messages", "10000"},
                       {"compression.type", "lz4"},
                       {"connections.max.idle.ms", "10000"},
                       {"metadata.recovery.strategy", "none"}};
  pairs.insert(pairs.end(), base.begin(), base.end());
  pairs.emplace_back("transactional.id", transactional_id);
  pairs.emplace_back("enable.idempotence", "true");
  pairs.emplace_back("transaction.timeout.ms", "60000");
  CS_ASSIGN_OR_RETURN(auto conf, MakeConf(pairs));
  std::string err;
  if (events != nullptr) conf->set("event_cb", events, err);
  static WakeFlush wake_flush;  // stateless, so one serves every producer
  conf->set("dr_cb", &wake_flush, err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (!producer) return Status::InvalidArgument("kafka: create producer " + transactional_id + ": " + err);
  CS_RETURN_NOT_OK(
      FromError(producer->init_transactions(timeout_ms), "init transactions for " + transactional_id));
  CS_RETURN_NOT_OK(FromError(producer->begin_transaction(), "begin transaction"));
  return std::unique_ptr<TransactionalProducer>(new TransactionalProducer(std::move(producer)));
}

TransactionalProducer::~TransactionalProducer() {
  // An open transaction is aborted by the broker's timeout or fenced by the next owner; nothing to flush.
  if (producer_) producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
}

Status TransactionalProducer::Send(const std::string& topic, std::string_view key, std::string_view value,
                                   const std::vector<Header>& headers) {
  RdKafka::Headers* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = RdKafka::Headers::create();
    for (const auto& h : headers) hdrs->add(h.name, h.value);
  }
  return Produce(topic, key.data(), key.size(), value.data(), value.size(), hdrs, 0);
}

Status TransactionalProducer::Forward(const std::string& topic, const RecordView& original,
                                      const std::vector<Header>& added) {
  RdKafka::Headers* hdrs = RdKafka::Headers::create();
  for (const RecordView::Header& h : original.headers) {
    hdrs->add(h.name, h.value ? h.value->data() : nullptr, h.value ? h.value->size() : 0);
  }
  for (const auto& h : added) hdrs->add(h.name, h.value);
  return Produce(topic, original.key ? original.key->data() : nullptr,
                 original.key ? original.key->size() : 0, original.value ? original.value->data() : nullptr,
                 original.value ? original.value->size() : 0, hdrs, original.timestamp_ms.value_or(0));
}

Status TransactionalProducer::Produce(const std::string& topic, const void* key, size_t key_len,
                                      const void* value, size_t value_len, RdKafka::Headers* headers,
                                      int64_t timestamp_ms) {
  std::unique_ptr<RdKafka::Headers> owned(headers);
  for (;;) {
    const RdKafka::ErrorCode code = producer_->produce(
        topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, const_cast<void*>(value),
        value_len, key, key_len, timestamp_ms, owned.get(), nullptr);
    if (code == RdKafka::ERR_NO_ERROR) {
      owned.release();  // librdkafka owns the headers now
      break;
    }
    if (code != RdKafka::ERR__QUEUE_FULL) return FromRdKafka(code, "produce to " + topic);
    producer_->poll(10);
  }
  ++pending_;
  producer_->poll(0);
  return Status::OK();
}

Status TransactionalProducer::CommitWithOffset(const std::string& input_topic, Partition partition,
                                               Offset next_offset, const std::string& group_id,
                                               int timeout_ms) {
  return CommitWithOffsets(input_topic, {{partition, next_offset}}, group_id, timeout_ms);
}

Status TransactionalProducer::CommitWithOffsets(const std::string& input_topic,
                                                const std::vector<std::pair<Partition, Offset>>& next_offsets,
                                                const std::string& group_id, int timeout_ms) {
  std::string what =
      next_offsets.size() == 1 ? "commit transaction of partition " : "commit transaction of partitions ";
  for (size_t i = 0; i < next_offsets.size(); ++i) {
    what += (i > 0 ? "," : "") + std::to_string(next_offsets[i].first.id());
  }
  // Runs one transactional step, repeating it while librdkafka calls the error retriable, until the
  // timeout (counted from the commit's start).
  RetryPolicy policy = kStepRetry;
  policy.deadline = std::chrono::milliseconds(timeout_ms);
  Backoff backoff(policy);
  backoff.Start(std::chrono::steady_clock::now());
  auto with_retries = [&](auto&& step) -> Status {
    for (;;) {
      std::unique_ptr<RdKafka::Error> error(step());
      if (!error) return Status::OK();
      const std::optional<std::chrono::milliseconds> wait =
          error->is_retriable() ? backoff.Failed() : std::nullopt;
      if (!wait) {
        // Abortable: the transaction is aborted here, and the caller re-reads the partition from its last
        // commit with a new producer. Fenced or fatal: the producer is dead, nothing to abort.
        if (error->txn_requires_abort()) delete producer_->abort_transaction(timeout_ms);
        return FromError(error.release(), what);
      }
      std::this_thread::sleep_for(*wait);
    }
  };
  // The offsets go to the group by its id alone, without the member's generation (the C API: the C++ one
  // takes only a consumer's metadata). The broker then accepts them whatever generation the group is in
  // (it checks generation and member only when they are given), so a commit in flight while the group
  // rebalances is not refused with ILLEGAL_GENERATION. Ownership needs no generation here: the
  // transactional id names the partition, so the partition's next owner fences this producer
  // (init_transactions) before it reads the committed offset.
  std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)> offsets(
      rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())),
      rd_kafka_topic_partition_list_destroy);
  for (const auto& [partition, next_offset] : next_offsets) {
    rd_kafka_topic_partition_list_add(offsets.get(), input_topic.c_str(), partition.id())->offset =
        next_offset.value();
  }
  std::unique_ptr<rd_kafka_consumer_group_metadata_t, decltype(&rd_kafka_consumer_group_metadata_destroy)>
      group(rd_kafka_consumer_group_metadata_new(group_id.c_str()), rd_kafka_consumer_group_metadata_destroy);
  CS_RETURN_NOT_OK(with_retries([&]() -> RdKafka::Error* {
    rd_kafka_error_t* error =
        rd_kafka_send_offsets_to_transaction(producer_->c_ptr(), offsets.get(), group.get(), timeout_ms);
    return error ? new CError(error) : nullptr;
  }));
  CS_RETURN_NOT_OK(with_retries([&] { return producer_->commit_transaction(timeout_ms); }));
  pending_ = 0;
  return FromError(producer_->begin_transaction(), "begin transaction");
}

}  // namespace clickstream::kafka
