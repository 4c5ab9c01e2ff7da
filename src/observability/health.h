// What GET /healthz answers: ready (200) only while the pipeline is connected to Kafka and PostgreSQL
// and committing; otherwise 503 with the reason. See docs/operations.md "/healthz".
#pragma once

#include <string>

#include "observability/pipeline_probe.h"

namespace clickstream {

struct Health {
  bool ok = false;
  std::string reason;  // one line: "ok", or what is wrong
};

// `commit_interval_ms` is the pipeline's; a commit pass older than max(5 intervals, 5 s) is stale.
Health CheckHealth(const PipelineProbe& probe, int commit_interval_ms, int64_t now_unix_micros);

}  // namespace clickstream
