// The `clickstream` command line: every subcommand registered on one CLI11 app, with the help layout of
// help_format.h. main.cc parses argv with it; cli_test checks its help and the reference it generates.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

namespace clickstream::cli {

std::unique_ptr<CLI::App> MakeApp();

}  // namespace clickstream::cli
