#include "cli/app.h"

#include <cstdio>

#include "cli/command.h"
#include "cli/help_format.h"
#include "kafka/library_version.h"
#include "observability/metrics_text.h"

namespace clickstream::cli {
namespace {

// Hidden commands that print the generated parts of docs/ (`make docs` writes them there): the reference
// of every flag, and the list of metrics.
void RegisterReferenceCommands(CLI::App& app) {
  CLI::App* config = app.add_subcommand("help-config", "Print docs/configuration.md: every command and flag");
  config->group("");
  config->callback([&app] { std::fputs(ConfigurationReference(app).c_str(), stdout); });
  CLI::App* metrics = app.add_subcommand("help-metrics", "Print the metrics table of docs/operations.md");
  metrics->group("");
  metrics->callback([] { std::fputs(MetricsReference().c_str(), stdout); });
}

}  // namespace

std::unique_ptr<CLI::App> MakeApp() {
  auto app = std::make_unique<CLI::App>("clickstream: event-time analytics of website activity from Kafka",
                                        "clickstream");
  app->formatter(std::make_shared<HelpFormatter>());
  app->footer("Every command, flag and environment variable: docs/configuration.md");
  app->require_subcommand(1);
  app->get_help_ptr()->group(kGroupHelp);
  app->set_version_flag("--version",
                        [] {
                          return "clickstream 0.1.0\nlibrdkafka " + kafka::LoadedLibrdkafkaVersion() +
                                 " (code written against the librdkafka " + kafka::HeaderLibrdkafkaVersion() +
                                 " API; needs " + kafka::MinimumLibrdkafkaVersion() +
                                 " or newer at run time)";
                        })
      ->group(kGroupHelp);
  RegisterRunCommand(*app);
  RegisterProduceCommand(*app);
  RegisterTopicsCommand(*app);
  RegisterTailCommand(*app);
  RegisterReplayCommand(*app);
  RegisterReferenceCommands(*app);
  return app;
}

}  // namespace clickstream::cli
