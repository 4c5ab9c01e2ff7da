// A metric family of the pipeline, declared once: its name, type, labels and HELP text, and how its
// samples and counters are read from a probe. Everything else follows from the declaration: /metrics
// renders the family (observability/metrics_text.h), a process sums the counters behind it over its
// pipeline threads (observability/process_probe.h), and `clickstream help-metrics` lists it in
// docs/operations.md. Adding a metric is one entry of MetricFamilies() plus the code that counts it.
//
// Names follow Prometheus conventions: prefix clickstream_, counters end in _total, units in the name
// (_seconds, _bytes).
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "observability/pipeline_probe.h"

namespace clickstream {

enum class MetricType { kCounter, kGauge, kHistogram };

// "counter", "gauge" or "histogram", as the TYPE line and docs/operations.md spell it.
std::string_view MetricTypeName(MetricType type);

class SampleWriter;  // observability/metrics_text.h

// The counters of one probe, which ProcessProbe::Aggregate sums over a process's pipeline threads.
using ProbeCounters = std::vector<std::atomic<int64_t>*>;

struct MetricFamily {
  std::string_view name;
  MetricType type;
  std::string_view labels;  // "partition,thread"; "" for none (a histogram's `le` is implied)
  std::string_view help;
  // Writes the family's samples of `probe`, scraped at `now_unix_micros` (wall clock).
  void (*samples)(const PipelineProbe& probe, int64_t now_unix_micros, SampleWriter& out);
  // Appends the counters of `probe` the samples read, to be summed over a process's threads; null for
  // a family read from gauges (merged by ProcessProbe::Aggregate) or from the process's own probes.
  void (*counters)(PipelineProbe& probe, ProbeCounters* out) = nullptr;
};

// Every family, in the order of /metrics and docs/operations.md; names are unique.
std::span<const MetricFamily> MetricFamilies();

// The counters behind MetricFamilies() in `probe`, each once (a counter may back two families), in
// the same order for every probe.
ProbeCounters SummedCounters(PipelineProbe& probe);

}  // namespace clickstream
