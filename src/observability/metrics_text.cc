#include "observability/metrics_text.h"

#include <charconv>
#include <cstdio>

namespace clickstream {
namespace {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Family(const MetricFamily& family) {
    name_ = family.name;
    *out_ += "# HELP ";
    *out_ += family.name;
    *out_ += ' ';
    *out_ += family.help;
    *out_ += "\n# TYPE ";
    *out_ += family.name;
    *out_ += ' ';
    *out_ += family.type;
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
  void Counter(const MetricFamily& family, const std::atomic<int64_t>& value) {
    Family(family);
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
  w.Counter(metric::kConsumed, p.consumed);
  w.Counter(metric::kAccepted, p.accepted);
  w.Counter(metric::kLate, p.late);
  w.Family(metric::kRejected);
  for (size_t i = 0; i < PipelineProbe::kReasons; ++i) {
    w.Sample(Label("reason", std::string(RejectReasonName(static_cast<RejectReason>(i)))),
             p.rejected[i].load(std::memory_order_relaxed));
  }
  w.Counter(metric::kMisrouted, p.misrouted);

  const auto partitions = p.partitions();
  const auto threads = p.threads();
  w.Family(metric::kPartitions);
  w.Sample("", static_cast<int64_t>(partitions.size()));
  w.Family(metric::kThreads);
  w.Sample("", static_cast<int64_t>(threads.size()));
  w.Family(metric::kThreadPartitions);
  for (const auto& [thread, t] : threads) w.Sample(Label("thread", std::to_string(thread)), t.partitions);
  w.Family(metric::kMemberInfo);
  for (const auto& [thread, t] : threads) {
    if (!t.member_id.empty())
      w.Sample(Label("thread", std::to_string(thread)) + "," + Label("member_id", t.member_id), int64_t{1});
  }
  w.Counter(metric::kRebalances, p.rebalances);
  // Each partition's gauges name the thread that owns it.
  const auto labels = [](int32_t id, const PartitionGauges& g) {
    return Label("partition", std::to_string(id)) + "," + Label("thread", std::to_string(g.thread));
  };
  w.Family(metric::kLag);
  for (const auto& [id, g] : partitions) {
    if (g.lag >= 0) w.Sample(labels(id, g), g.lag);
  }
  w.Family(metric::kWatermark);
  for (const auto& [id, g] : partitions) {
    if (g.has_watermark) w.Sample(labels(id, g), static_cast<double>(g.watermark_micros) / 1e6);
  }
  w.Family(metric::kCommittedOffset);
  for (const auto& [id, g] : partitions) w.Sample(labels(id, g), g.committed_offset);

  w.Family(metric::kOpenWindows);
  int64_t windows = 0, sessions = 0;
  for (const auto& [id, g] : partitions) windows += g.open_windows, sessions += g.open_sessions;
  w.Sample("", windows);
  w.Family(metric::kOpenSessions);
  w.Sample("", sessions);

  w.Family(metric::kCommitDuration);
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
  w.Counter(metric::kCommits, p.commits);
  const int64_t last_commit = p.last_commit_pass_unix_micros.load(std::memory_order_relaxed);
  w.Family(metric::kLastCommitAge);
  if (last_commit > 0) w.Sample("", static_cast<double>(now_unix_micros - last_commit) / 1e6);

  w.Family(metric::kSinkErrors);
  w.Sample(Label("sink", "postgres"), p.commit_failures.load(std::memory_order_relaxed));
  w.Sample(Label("sink", "kafka"), p.kafka_errors.load(std::memory_order_relaxed));
  w.Sample(Label("sink", "lake"), p.lake_errors.load(std::memory_order_relaxed));
  w.Counter(metric::kCommitRetries, p.commit_failures);
  w.Counter(metric::kRegistryErrors, p.registry_errors);
  w.Counter(metric::kRecoveries, p.recoveries);
  w.Counter(metric::kLakeFiles, p.lake_files);
  w.Family(metric::kKafkaCommitSeconds);
  w.Sample("", static_cast<double>(p.kafka_commit_micros_total.load(std::memory_order_relaxed)) / 1e6);
  w.Family(metric::kPostgresCommitSeconds);
  w.Sample("", static_cast<double>(p.db_commit_micros_total.load(std::memory_order_relaxed)) / 1e6);
  w.Counter(metric::kPostgresRows, p.db_rows_total);
  w.Counter(metric::kRetentionDeletedRows, p.retention.deleted_rows);
  w.Family(metric::kRetentionCutoff);
  if (p.retention.has_cutoff.load(std::memory_order_relaxed)) {
    w.Sample("", static_cast<double>(p.retention.cutoff_micros.load(std::memory_order_relaxed)) / 1e6);
  }
  return out;
}

std::string MetricsReference() {
  std::string out = "| metric | type | meaning |\n|---|---|---|\n";
  for (const MetricFamily* family : kMetricFamilies) {
    const std::string labels = *family->labels == '\0' ? "" : "{" + std::string(family->labels) + "}";
    out += "| `" + std::string(family->name) + labels + "` | " + family->type + " | " + family->help + " |\n";
  }
  return out;
}

}  // namespace clickstream
