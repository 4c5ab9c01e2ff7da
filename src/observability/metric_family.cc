// The pipeline's metric families: each declared once, here (see metric_family.h).
#include "observability/metric_family.h"

#include <algorithm>
#include <array>
#include <string>

#include "observability/metrics_text.h"

namespace clickstream {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

using Cell = std::atomic<int64_t> PipelineProbe::*;

double Seconds(int64_t micros) { return static_cast<double>(micros) / 1e6; }

template <Cell... kCells>
void Counters(PipelineProbe& probe, ProbeCounters* out) {
  (out->push_back(&(probe.*kCells)), ...);
}

// What a probe counter counts: a number of things, or microseconds that /metrics shows as seconds.
enum class Unit { kCount, kMicros };

// A counter without labels, counted by `kCell` of each thread's probe.
template <Cell kCell, Unit kUnit = Unit::kCount>
constexpr MetricFamily Counter(std::string_view name, std::string_view help) {
  const auto samples = [](const PipelineProbe& p, int64_t, SampleWriter& out) {
    const int64_t value = (p.*kCell).load(kRelaxed);
    if constexpr (kUnit == Unit::kMicros) {
      out.Add({}, Seconds(value));
    } else {
      out.Add({}, value);
    }
  };
  return {name, MetricType::kCounter, "", help, samples, &Counters<kCell>};
}

// A gauge without labels, the sum of a figure over the partitions.
template <int64_t PartitionGauges::* kFigure>
void PartitionSum(const PipelineProbe& p, int64_t, SampleWriter& out) {
  int64_t sum = 0;
  for (const auto& [id, g] : p.partitions()) sum += g.*kFigure;
  out.Add({}, sum);
}

constexpr MetricFamily kFamilies[] = {
    Counter<&PipelineProbe::consumed>(
        "clickstream_events_consumed_total",
        "Records read from the input topic, re-reads after a restart included."),
    Counter<&PipelineProbe::accepted>("clickstream_events_accepted_total",
                                      "Valid events on time (not older than their partition's watermark)."),
    Counter<&PipelineProbe::late>("clickstream_events_late_total",
                                  "Valid events older than their partition's watermark (in late_events)."),
    {"clickstream_events_rejected_total", MetricType::kCounter, "reason",
     "Invalid records sent to the dead-letter topic, by reason.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       for (size_t i = 0; i < PipelineProbe::kReasons; ++i) {
         out.Add({RejectReasonName(static_cast<RejectReason>(i))}, p.rejected[i].load(kRelaxed));
       }
     },
     [](PipelineProbe& p, ProbeCounters* out) {
       for (auto& cell : p.rejected) out->push_back(&cell);
     }},
    Counter<&PipelineProbe::misrouted>("clickstream_events_misrouted_total",
                                       "Valid events whose record key is not their user_id."),
    {"clickstream_partitions_assigned", MetricType::kGauge, "", "Input partitions this process owns.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       out.Add({}, static_cast<int64_t>(p.partitions().size()));
     }},
    {"clickstream_threads", MetricType::kGauge, "",
     "Pipeline threads of this process (--threads), each a member of the group.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       out.Add({}, static_cast<int64_t>(p.threads().size()));
     }},
    {"clickstream_thread_partitions_assigned", MetricType::kGauge, "thread",
     "Input partitions each pipeline thread owns.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       for (const auto& [thread, t] : p.threads()) out.Add({std::to_string(thread)}, t.partitions);
     }},
    {"clickstream_group_member_info", MetricType::kGauge, "thread,member_id",
     "The consumer group member id of each pipeline thread (1 once it joined).",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       for (const auto& [thread, t] : p.threads()) {
         if (!t.member_id.empty()) out.Add({std::to_string(thread), t.member_id}, int64_t{1});
       }
     }},
    Counter<&PipelineProbe::rebalances>(
        "clickstream_rebalances_total",
        "Consumer group rebalances seen by the pipeline threads: partitions assigned or revoked."),
    {"clickstream_consumer_lag_records", MetricType::kGauge, "partition,thread",
     "Records between the partition's end and the next record this process will read.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       for (const auto& [id, g] : p.partitions()) {
         if (g.lag >= 0) out.Add({std::to_string(id), std::to_string(g.thread)}, g.lag);
       }
     }},
    {"clickstream_watermark_seconds", MetricType::kGauge, "partition,thread",
     "Event-time watermark of the partition (largest event time minus --watermark-delay), seconds since "
     "the epoch.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       for (const auto& [id, g] : p.partitions()) {
         if (g.has_watermark)
           out.Add({std::to_string(id), std::to_string(g.thread)}, Seconds(g.watermark_micros));
       }
     }},
    {"clickstream_committed_offset", MetricType::kGauge, "partition,thread",
     "Next input offset of the partition committed to PostgreSQL with its results.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       for (const auto& [id, g] : p.partitions()) {
         out.Add({std::to_string(id), std::to_string(g.thread)}, g.committed_offset);
       }
     }},
    {"clickstream_open_windows", MetricType::kGauge, "", "Page view and active user windows not final yet.",
     &PartitionSum<&PartitionGauges::open_windows>},
    {"clickstream_open_sessions", MetricType::kGauge, "", "Sessions not final yet.",
     &PartitionSum<&PartitionGauges::open_sessions>},
    {"clickstream_commit_duration_seconds", MetricType::kHistogram, "",
     "Duration of commits that wrote something: Kafka transactions, the PostgreSQL transaction, lake files.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       std::array<int64_t, PipelineProbe::kCommitBuckets.size() + 1> counts;
       for (size_t i = 0; i < counts.size(); ++i) counts[i] = p.commit_buckets[i].load(kRelaxed);
       out.Histogram(PipelineProbe::kCommitBuckets, counts,
                     Seconds(p.commit_seconds_sum_micros.load(kRelaxed)));
     },
     [](PipelineProbe& p, ProbeCounters* out) {
       for (auto& cell : p.commit_buckets) out->push_back(&cell);
       out->push_back(&p.commit_seconds_sum_micros);
     }},
    Counter<&PipelineProbe::commits>("clickstream_commits_total", "Commit passes that wrote to PostgreSQL."),
    {"clickstream_last_commit_age_seconds", MetricType::kGauge, "",
     "Seconds since the last commit pass that succeeded.",
     [](const PipelineProbe& p, int64_t now_unix_micros, SampleWriter& out) {
       const int64_t last_commit = p.last_commit_pass_unix_micros.load(kRelaxed);
       if (last_commit > 0) out.Add({}, Seconds(now_unix_micros - last_commit));
     }},
    {"clickstream_sink_errors_total", MetricType::kCounter, "sink",
     "Failed writes by sink: postgres (the commit or claim is retried), kafka (the partition is re-read "
     "from its last commit), lake (the write is retried with the same rows).",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       out.Add({"postgres"}, p.commit_failures.load(kRelaxed));
       out.Add({"kafka"}, p.kafka_errors.load(kRelaxed));
       out.Add({"lake"}, p.lake_errors.load(kRelaxed));
     },
     &Counters<&PipelineProbe::commit_failures, &PipelineProbe::kafka_errors, &PipelineProbe::lake_errors>},
    Counter<&PipelineProbe::commit_failures>("clickstream_commit_retries_total",
                                             "PostgreSQL commits retried after a failure."),
    Counter<&PipelineProbe::registry_errors>("clickstream_schema_registry_errors_total",
                                             "Writer schema lookups the schema registry did not answer (the "
                                             "partition is re-read from its last commit)."),
    Counter<&PipelineProbe::recoveries>(
        "clickstream_partition_recoveries_total",
        "Partitions re-claimed and re-read from their last commit after a Kafka or lake error or fencing."),
    Counter<&PipelineProbe::lake_files>("clickstream_lake_files_total",
                                        "Parquet files published to the lake."),
    Counter<&PipelineProbe::kafka_commit_micros_total, Unit::kMicros>(
        "clickstream_kafka_commit_seconds_total",
        "Time spent committing Kafka transactions; consumption waits meanwhile."),
    Counter<&PipelineProbe::db_commit_micros_total, Unit::kMicros>(
        "clickstream_postgres_commit_seconds_total",
        "Time spent in PostgreSQL transactions (in the background, beside consumption)."),
    Counter<&PipelineProbe::db_rows_total>("clickstream_postgres_rows_total",
                                           "Result and late-event rows written to PostgreSQL."),
    // The retention's figures are the process's (ProcessProbe::retention()), not its threads'.
    {"clickstream_retention_deleted_rows_total", MetricType::kCounter, "",
     "Result and late-event rows deleted by --results-retention.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       out.Add({}, p.retention.deleted_rows.load(kRelaxed));
     }},
    {"clickstream_retention_cutoff_seconds", MetricType::kGauge, "",
     "Event time before which --results-retention deleted results, seconds since the epoch; absent "
     "until every partition has a watermark, or without a retention.",
     [](const PipelineProbe& p, int64_t, SampleWriter& out) {
       if (p.retention.has_cutoff.load(kRelaxed))
         out.Add({}, Seconds(p.retention.cutoff_micros.load(kRelaxed)));
     }},
};

}  // namespace

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::span<const MetricFamily> MetricFamilies() { return kFamilies; }

ProbeCounters SummedCounters(PipelineProbe& probe) {
  ProbeCounters counters;
  for (const MetricFamily& family : kFamilies) {
    if (family.counters == nullptr) continue;
    ProbeCounters cells;
    family.counters(probe, &cells);
    for (std::atomic<int64_t>* cell : cells) {
      if (std::find(counters.begin(), counters.end(), cell) == counters.end()) counters.push_back(cell);
    }
  }
  return counters;
}

}  // namespace clickstream
