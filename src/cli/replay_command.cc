// `clickstream replay --input FILE.jsonl --output DIR`: the engine over a file, as one partition.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "replay/replay.h"

namespace clickstream::cli {

void RegisterReplayCommand(CLI::App& app) {
  struct Flags {
    std::string input;
    std::string output;
    EngineOptions analytics;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = AddCommand(app, "replay", "The engine over a JSON Lines file; results as JSON Lines files",
                             "Every flag: docs/configuration.md; what it computes: docs/semantics.md");
  AddLogLevelFlag(cmd);
  cmd->add_option("--input", flags->input, "JSON Lines file of events, or - for standard input")
      ->required()
      ->group(kGroupFiles);
  cmd->add_option("--output", flags->output, "Directory for the result files (created if missing)")
      ->required()
      ->group(kGroupFiles);
  AddAnalyticsFlags(cmd, &flags->analytics);
  cmd->callback([flags] {
    CheckAnalyticsFlags("replay", flags->analytics);
    const Result<ReplaySummary> summary = ReplayFile(flags->input, flags->output, flags->analytics);
    if (!summary.ok()) {
      std::fprintf(stderr, "clickstream replay: %s\n", summary.status().message().c_str());
      throw CLI::RuntimeError(kExitData);
    }
    std::printf("replay: %s; results in %s\n", summary->ToString().c_str(), flags->output.c_str());
  });
}

}  // namespace clickstream::cli
