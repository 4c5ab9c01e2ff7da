// `clickstream run --threads N`: N pipelines (service/pipeline.h) of one consumer group in one process,
// each on its own thread with its own consumer, partitions, engines, transactional producers,
// PostgreSQL connection and lake writer. They share nothing but the group, so the group splits the
// partitions between threads exactly as between processes, and every guarantee of one pipeline
// (fencing, exactly-once across crashes, commit before giving a partition up) holds per thread.
//
// The first thread to fail stops the others: they commit what they processed and leave the group, and
// Run() returns that first failure, so the process ends with its exit code.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "observability/pipeline_probe.h"
#include "service/pipeline.h"
#include "service/pipeline_options.h"

namespace clickstream {

class PipelineThreads {
 public:
  // Starts options.threads pipelines, one probe each (`probes[i]` for thread i); fails with the first
  // pipeline that cannot start.
  static Result<std::unique_ptr<PipelineThreads>> Start(const PipelineOptions& options,
                                                        const std::vector<PipelineProbe*>& probes);

  // Runs every pipeline on a thread of its own until `stop()` returns true or one of them fails; then
  // each commits and leaves the group. Returns the first failure, else OK.
  Status Run(const std::function<bool()>& stop);

 private:
  explicit PipelineThreads(std::vector<std::unique_ptr<Pipeline>> pipelines);
  std::vector<std::unique_ptr<Pipeline>> pipelines_;
};

}  // namespace clickstream
