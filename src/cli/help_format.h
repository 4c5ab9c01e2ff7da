// How `clickstream` describes its flags: `--help` of each command (grouped, one line of description per
// flag, then its environment variable and default), and the Markdown reference of every command that
// `clickstream help-config` prints as docs/configuration.md.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace clickstream::cli {

// Help text at most kHelpWidth columns wide, when each description fits kHelpWidth - kHelpNameWidth.
inline constexpr size_t kHelpWidth = 100;
inline constexpr size_t kHelpNameWidth = 33;

class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;
  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
};

// docs/configuration.md: every command of `app`, each flag with its environment variable, default and
// description, by group, with the page's prose.
std::string ConfigurationReference(const CLI::App& app);

}  // namespace clickstream::cli
