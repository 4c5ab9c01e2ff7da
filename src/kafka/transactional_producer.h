// A Kafka producer whose writes become visible atomically with the consumer offsets they derive from
// (Kafka transactions, KIP-98/447). One per input partition: its transactional.id names the partition,
// so the next owner of the partition fences any older owner still running (InitTransactions).
//
// Not thread-safe. Owns the librdkafka producer.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "kafka/client_config.h"
#include "kafka/record_view.h"

namespace clickstream::kafka {

struct Header {
  std::string name;
  std::string value;
};

class TransactionalProducer {
 public:
  // Creates the producer, fences older instances with the same transactional id, and begins a
  // transaction. Waits at most `timeout_ms` for the broker. `base` is applied over our batching
  // defaults (linger.ms 1000, batch.num.messages 10000, lz4), so a user's property wins.
  // `events` (not owned, may be null) receives client-level errors; it must outlive the producer.
  static Result<std::unique_ptr<TransactionalProducer>> Start(const ConfigPairs& base,
                                                              const std::string& transactional_id,
                                                              int timeout_ms, RdKafka::EventCb* events);
  ~TransactionalProducer();

  // Queues one record in the open transaction. Blocks (serving delivery reports) while the local queue is
  // full.
  Status Send(const std::string& topic, std::string_view key, std::string_view value,
              const std::vector<Header>& headers = {});

  // Queues a copy of `original` to `topic` in the open transaction: its key and value (a null one stays
  // null), its headers, then `added`, and its timestamp. Blocks like Send.
  Status Forward(const std::string& topic, const RecordView& original, const std::vector<Header>& added);

  // Commits the open transaction together with the consumer position `next_offset` of `partition` of
  // `input_topic` for the consumer group `group_id`, then begins the next transaction.
  // Retriable errors are retried until `timeout_ms`; any other failure leaves the transaction aborted
  // and the producer unusable: the caller recovers the partition from its last durable state.
  Status CommitWithOffset(const std::string& input_topic, Partition partition, Offset next_offset,
                          const std::string& group_id, int timeout_ms);
  // The same with the positions of several partitions of `input_topic`, all in one transaction.
  Status CommitWithOffsets(const std::string& input_topic,
                           const std::vector<std::pair<Partition, Offset>>& next_offsets,
                           const std::string& group_id, int timeout_ms);

  // Records sent since the transaction began.
  int64_t pending() const { return pending_; }

 private:
  explicit TransactionalProducer(std::unique_ptr<RdKafka::Producer> producer)
      : producer_(std::move(producer)) {}

  // Queues one record; takes ownership of `headers` (may be null). Null key or value pointers stay null.
  // `timestamp_ms` 0 means now.
  Status Produce(const std::string& topic, const void* key, size_t key_len, const void* value,
                 size_t value_len, RdKafka::Headers* headers, int64_t timestamp_ms);

  std::unique_ptr<RdKafka::Producer> producer_;
  int64_t pending_ = 0;
};

}  // namespace clickstream::kafka
