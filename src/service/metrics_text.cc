#include "service/metrics_text.h"

#include <charconv>
#include <cstdio>

namespace clickstream {
namespace {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Family(const char* name, const char* type, const char* help) {
    name_ = name;
    *out_ += "# HELP ";
    *out_ += name;
    *out_ += ' ';
    *out_ += help;
    *out_ += "\n# TYPE ";
    *out_ += name;
    *out_ += ' ';
    *out_ += type;
    *out_ += '\n';
  }
  // A sample of the current family; `labels` is `key="value",...` without braces, or empty.
  void Sample(const std::string& labels, double value, const char* suffix = "") {
    *out_ += name_;
    *out_ += suffix;
    if (!labels.empty()) *out_ += "{" + labels + "}";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);  // shortest exact
    if (ec != std::errc()) end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    *out_ += ' ';
    out_->append(buf, end);
    *out_ += '\n';
  }
  void Sample(const std::string& labels, int64_t value, const char* suffix = "") {
    *out_ += name_;
    *out_ += suffix;
    if (!labels.empty()) *out_ += "{" + labels + "}";
    *out_ += ' ' + std::to_string(value) + '\n';
  }
  void Counter(const char* name, const char* help, const std::atomic<int64_t>& value) {
    Family(name, "counter", help);
    Sample("", value.load(std::memory_order_relaxed));
  }

 private:
  std::string* out_;
  std::string name_;
};

std::string Label(const char* key, const std::string& value) {
  return std::string(key) + "=\"" + value + "\"";
}

}  // namespace

std::string RenderMetrics(const PipelineProbe& p, int64_t now_unix_micros) {
  std::string out;
  Writer w(&out);
  w.Counter("clickstream_events_consumed_total",
            "Records read from the input topic, replays after a restart included.", p.consumed);
  w.Counter("clickstream_events_accepted_total",
            "Valid events on time (not older than their partition's watermark).", p.accepted);
  w.Counter("clickstream_events_late_total",
            "Valid events older than their partition's watermark: in no window or session.", p.late);
  w.Family("clickstream_events_rejected_total", "counter",
           "Invalid records sent to the dead-letter topic, by reason.");
  for (size_t i = 0; i < PipelineProbe::kReasons; ++i) {
    w.Sample(Label("reason", std::string(RejectReasonName(static_cast<RejectReason>(i)))),
             p.rejected[i].load(std::memory_order_relaxed));
  }
  w.Counter("clickstream_events_misrouted_total", "Valid events whose record key is not their user_id.",
            p.misrouted);

  const auto partitions = p.partitions();
  const auto threads = p.threads();
  w.Family("clickstream_partitions_assigned", "gauge", "Input partitions this process owns.");
  w.Sample("", static_cast<int64_t>(partitions.size()));
  w.Family("clickstream_threads", "gauge",
           "Pipeline threads of this process, each a member of the consumer group.");
  w.Sample("", static_cast<int64_t>(threads.size()));
  w.Family("clickstream_thread_partitions_assigned", "gauge", "Input partitions each pipeline thread owns.");
  for (const auto& [thread, t] : threads) w.Sample(Label("thread", std::to_string(thread)), t.partitions);
  w.Family("clickstream_group_member_info", "gauge",
           "The consumer group member id of each pipeline thread (1 once it joined).");
  for (const auto& [thread, t] : threads) {
    if (!t.member_id.empty())
      w.Sample(Label("thread", std::to_string(thread)) + "," + Label("member_id", t.member_id), int64_t{1});
  }
  w.Counter("clickstream_rebalances_total",
            "Consumer group rebalances seen by the pipeline threads: partitions assigned or revoked.",
            p.rebalances);
  // Each partition's gauges name the thread that owns it.
  const auto labels = [](int32_t id, const PartitionGauges& g) {
    return Label("partition", std::to_string(id)) + "," + Label("thread", std::to_string(g.thread));
  };
  w.Family("clickstream_consumer_lag_records", "gauge",
           "Records between the partition's end and the next record this process will read.");
  for (const auto& [id, g] : partitions) {
    if (g.lag >= 0) w.Sample(labels(id, g), g.lag);
  }
  w.Family(
      "clickstream_watermark_seconds", "gauge",
      "Event-time watermark of the partition (largest event time minus 2 minutes), seconds since the epoch.");
  for (const auto& [id, g] : partitions) {
    if (g.has_watermark) w.Sample(labels(id, g), static_cast<double>(g.watermark_micros) / 1e6);
  }
  w.Family("clickstream_committed_offset", "gauge",
           "Next input offset of the partition committed to PostgreSQL with its results.");
  for (const auto& [id, g] : partitions) w.Sample(labels(id, g), g.committed_offset);

  w.Family("clickstream_open_windows", "gauge", "Page view and active user windows not final yet.");
  int64_t windows = 0, sessions = 0;
  for (const auto& [id, g] : partitions) windows += g.open_windows, sessions += g.open_sessions;
  w.Sample("", windows);
  w.Family("clickstream_open_sessions", "gauge", "Sessions not final yet.");
  w.Sample("", sessions);

  w.Family("clickstream_commit_duration_seconds", "histogram",
           "Duration of commits that wrote something: Kafka transactions, the PostgreSQL transaction, lake "
           "files.");
  int64_t cumulative = 0;
  for (size_t i = 0; i < p.commit_buckets.size(); ++i) {
    cumulative += p.commit_buckets[i].load(std::memory_order_relaxed);
    char le[32];
    if (i < PipelineProbe::kCommitBuckets.size()) {
      std::snprintf(le, sizeof le, "%g", PipelineProbe::kCommitBuckets[i]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    w.Sample(Label("le", le), cumulative, "_bucket");
  }
  w.Sample("", static_cast<double>(p.commit_seconds_sum_micros.load(std::memory_order_relaxed)) / 1e6,
           "_sum");
  w.Sample("", cumulative, "_count");
  w.Counter("clickstream_commits_total", "Commit passes that wrote to PostgreSQL.", p.commits);
  const int64_t last_commit = p.last_commit_pass_unix_micros.load(std::memory_order_relaxed);
  w.Family("clickstream_last_commit_age_seconds", "gauge",
           "Seconds since the last commit pass that succeeded.");
  if (last_commit > 0) w.Sample("", static_cast<double>(now_unix_micros - last_commit) / 1e6);

  w.Family("clickstream_sink_errors_total", "counter",
           "Failed writes by sink: a failed PostgreSQL commit is retried; a failed Kafka transaction or lake "
           "write "
           "makes the partition recover from its last commit.");
  w.Sample(Label("sink", "postgres"), p.commit_failures.load(std::memory_order_relaxed));
  w.Sample(Label("sink", "kafka"), p.kafka_errors.load(std::memory_order_relaxed));
  w.Sample(Label("sink", "lake"), p.lake_errors.load(std::memory_order_relaxed));
  w.Counter("clickstream_commit_retries_total", "PostgreSQL commits retried after a failure.",
            p.commit_failures);
  w.Counter(
      "clickstream_schema_registry_errors_total",
      "Writer schema lookups the schema registry did not answer (the partition is re-read from its last "
      "commit).",
      p.registry_errors);
  w.Counter(
      "clickstream_partition_recoveries_total",
      "Partitions re-claimed and re-read from their last commit after a Kafka or lake error or fencing.",
      p.recoveries);
  w.Counter("clickstream_lake_files_total", "Parquet files published to the lake.", p.lake_files);
  w.Family("clickstream_kafka_commit_seconds_total", "counter",
           "Time spent committing Kafka transactions; consumption waits meanwhile.");
  w.Sample("", static_cast<double>(p.kafka_commit_micros_total.load(std::memory_order_relaxed)) / 1e6);
  w.Family("clickstream_postgres_commit_seconds_total", "counter",
           "Time spent in PostgreSQL transactions (in the background, beside consumption).");
  w.Sample("", static_cast<double>(p.db_commit_micros_total.load(std::memory_order_relaxed)) / 1e6);
  w.Counter("clickstream_postgres_rows_total", "Result and late-event rows written to PostgreSQL.",
            p.db_rows_total);
  return out;
}

}  // namespace clickstream
