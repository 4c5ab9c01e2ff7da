// Each subcommand of the `clickstream` binary registers itself on the CLI11 app through one function
// declared here. A subcommand's callback ends the process with its exit code by throwing
// CLI::RuntimeError(code) after printing a one-line error; see README "Exit codes".
#pragma once

#include <CLI/CLI.hpp>

namespace clickstream::cli {

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;        // bad flag, env var or configuration value
inline constexpr int kExitUnavailable = 3;  // a server (Kafka, PostgreSQL) cannot be reached or refused us
inline constexpr int kExitData = 4;         // input or output files cannot be read or written
inline constexpr int kExitRefused = 5;      // PostgreSQL refused the results while running (not retryable)
inline constexpr int kExitInternal = 70;    // a bug: please report it

// Flag validators whose messages a user can read ("must be greater than 0, got -1"); CLI11's own
// PositiveNumber prints the whole range of double.
inline CLI::Validator Positive() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          if (std::stod(value) > 0) return "";
        } catch (const std::exception&) {
        }
        return "must be a number greater than 0, got '" + value + "'";
      },
      "> 0");
}
inline CLI::Validator NonNegative() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          if (std::stod(value) >= 0) return "";
        } catch (const std::exception&) {
        }
        return "must be a number of 0 or more, got '" + value + "'";
      },
      ">= 0");
}

// Where the local broker of scripts/services.sh listens.
inline constexpr const char* kDefaultBootstrapServers = "127.0.0.1:19092";

// The --bootstrap-servers flag every Kafka subcommand shares, with KAFKA_BOOTSTRAP_SERVERS as fallback.
inline CLI::Option* AddBootstrapServersFlag(CLI::App* cmd, std::string* value) {
  return cmd->add_option("--bootstrap-servers", *value, "Kafka brokers, host:port[,...]")
      ->envname("KAFKA_BOOTSTRAP_SERVERS")
      ->capture_default_str();
}

void RegisterProduceCommand(CLI::App& app);
void RegisterTopicsCommand(CLI::App& app);
void RegisterRunCommand(CLI::App& app);
void RegisterTailCommand(CLI::App& app);
void RegisterReplayCommand(CLI::App& app);

}  // namespace clickstream::cli
