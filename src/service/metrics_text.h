// The pipeline's counters in the Prometheus text exposition format (version 0.0.4), for GET /metrics.
// Names follow Prometheus conventions: prefix clickstream_, counters end in _total, units in the name
// (_seconds, _bytes), one HELP and TYPE line per family. See docs/operations.md "Metrics" for the list.
#pragma once

#include <string>

#include "service/pipeline_probe.h"

namespace clickstream {

// Renders every metric of `probe`; `now_unix_micros` is the scrape's wall-clock time.
std::string RenderMetrics(const PipelineProbe& probe, int64_t now_unix_micros);

}  // namespace clickstream
