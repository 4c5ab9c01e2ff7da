// The pipeline's metrics in the Prometheus text exposition format (version 0.0.4), for GET /metrics, and
// their reference table for docs/operations.md: both rendered from the declarations of
// observability/metric_family.h, one HELP and TYPE line per family.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "observability/metric_family.h"
#include "observability/pipeline_probe.h"

namespace clickstream {

// Writes the samples of one family, each labelled with the keys the family declares and the values
// the caller gives, in the same order (a different number of values is a bug: checked).
class SampleWriter {
 public:
  SampleWriter(const MetricFamily& family, std::string* out) : family_(family), out_(out) {}

  void Add(std::initializer_list<std::string_view> label_values, int64_t value);
  void Add(std::initializer_list<std::string_view> label_values, double value);
  // A histogram's samples: a cumulative `_bucket` per upper bound and +Inf, `_sum` and `_count`.
  // `counts` holds each bucket's own count (not the cumulative one), +Inf's last.
  void Histogram(std::span<const double> upper_bounds, std::span<const int64_t> counts, double sum);

 private:
  // The sample's name and labels, up to its value.
  void Start(std::string_view suffix, std::initializer_list<std::string_view> label_values);

  const MetricFamily& family_;
  std::string* out_;
};

// Renders every family of MetricFamilies() of `probe`; `now_unix_micros` is the scrape's wall-clock time.
std::string RenderMetrics(const PipelineProbe& probe, int64_t now_unix_micros);

// The Markdown table of MetricFamilies(), as docs/operations.md lists them.
std::string MetricsReference();

}  // namespace clickstream
