// The command line's help fits a terminal and groups every flag; the generated parts of docs/ are what
// the binary prints (`make docs` rewrites them).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cli/app.h"
#include "cli/command.h"
#include "cli/help_format.h"
#include "observability/metrics_text.h"

namespace clickstream::cli {
namespace {

std::string ReadDoc(const std::string& name) {
  std::ifstream in(std::string(CLICKSTREAM_SOURCE_DIR) + "/docs/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "" when equal, else the first line that differs, for a failure message that fits a screen.
std::string FirstDifference(const std::string& committed, const std::string& generated) {
  std::istringstream a(committed), b(generated);
  std::string line_a, line_b;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "";
    if (more_a != more_b || line_a != line_b) {
      return "line " + std::to_string(line) + ": committed '" + (more_a ? line_a : "<end>") +
             "', generated '" + (more_b ? line_b : "<end>") + "'";
    }
  }
}

std::vector<CLI::App*> Commands(CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

TEST(Help, FitsATerminal) {
  const auto app = MakeApp();
  std::vector<std::pair<std::string, std::string>> helps = {{"clickstream", app->help()}};
  for (CLI::App* cmd : Commands(*app)) helps.emplace_back("clickstream " + cmd->get_name(), cmd->help());
  for (const auto& [command, help] : helps) {
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_LE(line.size(), kHelpWidth) << "`" << command << " --help` has a line too long:\n" << line;
    }
    EXPECT_NE(help.find("docs/"), std::string::npos) << "`" << command << " --help` names no docs page";
  }
}

TEST(Help, EveryFlagHasAGroupAndAOneLineDescription) {
  const auto app = MakeApp();
  for (CLI::App* cmd : Commands(*app)) {
    for (const CLI::Option* opt : cmd->get_options()) {
      const std::string flag = cmd->get_name() + " " + opt->get_name();
      EXPECT_NE(std::find(std::begin(kGroups), std::end(kGroups), opt->get_group()), std::end(kGroups))
          << flag << " is in group '" << opt->get_group() << "': add ->group(kGroup...) of src/cli/command.h";
      const std::string& description = opt->get_description();
      EXPECT_FALSE(description.empty()) << flag << " has no description";
      EXPECT_LE(description.size(), kHelpWidth - kHelpNameWidth)
          << flag << ": a one-line description, the rest in the notes of src/cli/help_format.cc";
    }
  }
}

TEST(Docs, ConfigurationMdIsGenerated) {
  const auto app = MakeApp();
  EXPECT_EQ(FirstDifference(ReadDoc("configuration.md"), ConfigurationReference(*app)), "")
      << "docs/configuration.md differs from `clickstream help-config`: run `make docs`";
}

TEST(Docs, OperationsMdListsTheMetrics) {
  const std::string page = ReadDoc("operations.md");
  const std::string begin = "<!-- BEGIN GENERATED: clickstream help-metrics -->\n";
  const size_t from = page.find(begin);
  const size_t to = page.find("<!-- END GENERATED -->");
  ASSERT_TRUE(from != std::string::npos && to != std::string::npos && from < to)
      << "docs/operations.md lacks the markers around its metrics table: " << begin;
  EXPECT_EQ(FirstDifference(page.substr(from + begin.size(), to - from - begin.size()), MetricsReference()),
            "")
      << "the metrics table of docs/operations.md differs from `clickstream help-metrics`: run `make docs`";
}

}  // namespace
}  // namespace clickstream::cli
