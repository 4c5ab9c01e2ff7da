// The pipeline's counters in the Prometheus text exposition format (version 0.0.4), for GET /metrics.
// Names follow Prometheus conventions: prefix clickstream_, counters end in _total, units in the name
// (_seconds, _bytes), one HELP and TYPE line per family. The families are declared once, below: the same
// table gives /metrics its HELP and TYPE lines and docs/operations.md its list (`clickstream help-metrics`).
#pragma once

#include <string>

#include "observability/pipeline_probe.h"

namespace clickstream {

// One metric family: its name, type, the labels of its samples and its HELP text.
struct MetricFamily {
  const char* name;
  const char* type;    // counter, gauge or histogram
  const char* labels;  // "partition,thread"; "" for none (a histogram's `le` is implied)
  const char* help;
};

namespace metric {
inline constexpr MetricFamily kConsumed{
    "clickstream_events_consumed_total", "counter", "",
    "Records read from the input topic, re-reads after a restart included."};
inline constexpr MetricFamily kAccepted{"clickstream_events_accepted_total", "counter", "",
                                        "Valid events on time (not older than their partition's watermark)."};
inline constexpr MetricFamily kLate{"clickstream_events_late_total", "counter", "",
                                    "Valid events older than their partition's watermark (in late_events)."};
inline constexpr MetricFamily kRejected{"clickstream_events_rejected_total", "counter", "reason",
                                        "Invalid records sent to the dead-letter topic, by reason."};
inline constexpr MetricFamily kMisrouted{"clickstream_events_misrouted_total", "counter", "",
                                         "Valid events whose record key is not their user_id."};
inline constexpr MetricFamily kPartitions{"clickstream_partitions_assigned", "gauge", "",
                                          "Input partitions this process owns."};
inline constexpr MetricFamily kThreads{
    "clickstream_threads", "gauge", "",
    "Pipeline threads of this process (--threads), each a member of the group."};
inline constexpr MetricFamily kThreadPartitions{"clickstream_thread_partitions_assigned", "gauge", "thread",
                                                "Input partitions each pipeline thread owns."};
inline constexpr MetricFamily kMemberInfo{
    "clickstream_group_member_info", "gauge", "thread,member_id",
    "The consumer group member id of each pipeline thread (1 once it joined)."};
inline constexpr MetricFamily kRebalances{
    "clickstream_rebalances_total", "counter", "",
    "Consumer group rebalances seen by the pipeline threads: partitions assigned or revoked."};
inline constexpr MetricFamily kLag{
    "clickstream_consumer_lag_records", "gauge", "partition,thread",
    "Records between the partition's end and the next record this process will read."};
inline constexpr MetricFamily kWatermark{
    "clickstream_watermark_seconds", "gauge", "partition,thread",
    "Event-time watermark of the partition (largest event time minus --watermark-delay), seconds since "
    "the epoch."};
inline constexpr MetricFamily kCommittedOffset{
    "clickstream_committed_offset", "gauge", "partition,thread",
    "Next input offset of the partition committed to PostgreSQL with its "
    "results."};
inline constexpr MetricFamily kOpenWindows{"clickstream_open_windows", "gauge", "",
                                           "Page view and active user windows not final yet."};
inline constexpr MetricFamily kOpenSessions{"clickstream_open_sessions", "gauge", "",
                                            "Sessions not final yet."};
inline constexpr MetricFamily kCommitDuration{
    "clickstream_commit_duration_seconds", "histogram", "",
    "Duration of commits that wrote something: Kafka transactions, the PostgreSQL transaction, lake files."};
inline constexpr MetricFamily kCommits{"clickstream_commits_total", "counter", "",
                                       "Commit passes that wrote to PostgreSQL."};
inline constexpr MetricFamily kLastCommitAge{"clickstream_last_commit_age_seconds", "gauge", "",
                                             "Seconds since the last commit pass that succeeded."};
inline constexpr MetricFamily kSinkErrors{"clickstream_sink_errors_total", "counter", "sink",
                                          "Failed writes by sink: postgres (the commit or claim is retried), "
                                          "kafka (the partition is re-read from its "
                                          "last commit), lake (the write is retried with the same rows)."};
inline constexpr MetricFamily kCommitRetries{"clickstream_commit_retries_total", "counter", "",
                                             "PostgreSQL commits retried after a failure."};
inline constexpr MetricFamily kRegistryErrors{"clickstream_schema_registry_errors_total", "counter", "",
                                              "Writer schema lookups the schema registry did not answer (the "
                                              "partition is re-read from its last commit)."};
inline constexpr MetricFamily kRecoveries{
    "clickstream_partition_recoveries_total", "counter", "",
    "Partitions re-claimed and re-read from their last commit after a Kafka or lake error or fencing."};
inline constexpr MetricFamily kLakeFiles{"clickstream_lake_files_total", "counter", "",
                                         "Parquet files published to the lake."};
inline constexpr MetricFamily kKafkaCommitSeconds{
    "clickstream_kafka_commit_seconds_total", "counter", "",
    "Time spent committing Kafka transactions; consumption waits "
    "meanwhile."};
inline constexpr MetricFamily kPostgresCommitSeconds{
    "clickstream_postgres_commit_seconds_total", "counter", "",
    "Time spent in PostgreSQL transactions (in the background, beside consumption)."};
inline constexpr MetricFamily kPostgresRows{"clickstream_postgres_rows_total", "counter", "",
                                            "Result and late-event rows written to PostgreSQL."};
inline constexpr MetricFamily kRetentionDeletedRows{
    "clickstream_retention_deleted_rows_total", "counter", "",
    "Result and late-event rows deleted by --results-retention."};
inline constexpr MetricFamily kRetentionCutoff{
    "clickstream_retention_cutoff_seconds", "gauge", "",
    "Event time before which --results-retention deleted results, seconds since the epoch; absent "
    "until every partition has a watermark, or without a retention."};
}  // namespace metric

// Every family, in the order of /metrics.
inline constexpr const MetricFamily* kMetricFamilies[] = {&metric::kConsumed,
                                                          &metric::kAccepted,
                                                          &metric::kLate,
                                                          &metric::kRejected,
                                                          &metric::kMisrouted,
                                                          &metric::kPartitions,
                                                          &metric::kThreads,
                                                          &metric::kThreadPartitions,
                                                          &metric::kMemberInfo,
                                                          &metric::kRebalances,
                                                          &metric::kLag,
                                                          &metric::kWatermark,
                                                          &metric::kCommittedOffset,
                                                          &metric::kOpenWindows,
                                                          &metric::kOpenSessions,
                                                          &metric::kCommitDuration,
                                                          &metric::kCommits,
                                                          &metric::kLastCommitAge,
                                                          &metric::kSinkErrors,
                                                          &metric::kCommitRetries,
                                                          &metric::kRegistryErrors,
                                                          &metric::kRecoveries,
                                                          &metric::kLakeFiles,
                                                          &metric::kKafkaCommitSeconds,
                                                          &metric::kPostgresCommitSeconds,
                                                          &metric::kPostgresRows,
                                                          &metric::kRetentionDeletedRows,
                                                          &metric::kRetentionCutoff};

// Renders every metric of `probe`; `now_unix_micros` is the scrape's wall-clock time.
std::string RenderMetrics(const PipelineProbe& probe, int64_t now_unix_micros);

// The Markdown table of kMetricFamilies, as docs/operations.md lists them.
std::string MetricsReference();

}  // namespace clickstream
