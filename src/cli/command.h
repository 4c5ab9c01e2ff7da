// Each subcommand of the `clickstream` binary registers itself on the CLI11 app through one function
// declared here. A subcommand's callback ends the process with its exit code by throwing
// CLI::RuntimeError(code) after printing a one-line error; see docs/operations.md "Exit codes".
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/duration_text.h"
#include "common/log.h"
#include "engine/options.h"
#include "kafka/client_config.h"
#include "registry/schema_registry.h"

namespace clickstream::cli {

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;        // bad flag, env var or configuration value
inline constexpr int kExitUnavailable = 3;  // a server (Kafka, PostgreSQL) cannot be reached or refused us
inline constexpr int kExitData = 4;         // input or output files cannot be read or written
inline constexpr int kExitRefused = 5;      // a server refused the results while running (not retryable)
inline constexpr int kExitFenced = 6;  // Kafka fenced this process (its --instance-id taken) or its consumer failed
inline constexpr int kExitInternal = 70;    // a bug: please report it

// The groups of flags in `--help` and in docs/configuration.md, in the order they are shown. Every flag
// belongs to one of them (cli_test checks it).
inline constexpr const char* kGroupKafka = "Kafka";
inline constexpr const char* kGroupKafkaSecurity = "Kafka security";
inline constexpr const char* kGroupAvro = "Avro and schema registry";
inline constexpr const char* kGroupAnalytics = "Analytics";
inline constexpr const char* kGroupPipeline = "Pipeline";
inline constexpr const char* kGroupPostgres = "PostgreSQL";
inline constexpr const char* kGroupLake = "Lake";
inline constexpr const char* kGroupHttp = "HTTP";
inline constexpr const char* kGroupTraffic = "Traffic";
inline constexpr const char* kGroupFiles = "Files";
inline constexpr const char* kGroupLogging = "Logging";
inline constexpr const char* kGroupHelp = "Help";
inline constexpr const char* kGroups[] = {kGroupKafka,    kGroupKafkaSecurity, kGroupAvro,    kGroupAnalytics,
                                          kGroupPipeline, kGroupPostgres,      kGroupLake,    kGroupHttp,
                                          kGroupTraffic,  kGroupFiles,         kGroupLogging, kGroupHelp};

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

// --log-level (LOG_LEVEL) of every subcommand: the least severe diagnostics written to stderr.
inline void AddLogLevelFlag(CLI::App* cmd) {
  cmd->add_option_function<std::string>(
         "--log-level", [](const std::string& name) { log::SetLevel(log::ParseLevel(name).value()); },
         "Least severe diagnostics on stderr: debug, info, warn, error or off")
      ->envname("LOG_LEVEL")
      ->default_str("info")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->group(kGroupLogging);
}

// The Kafka client flags every Kafka subcommand shares (brokers, security, extra librdkafka properties),
// each with an environment variable as fallback. The SASL password has no flag (argv is visible in
// `ps`): it comes from KAFKA_SASL_PASSWORD or the file of --sasl-password-file.
inline void AddKafkaClientFlags(CLI::App* cmd, kafka::ClientOptions* o) {
  if (const char* password = std::getenv("KAFKA_SASL_PASSWORD")) o->sasl_password = password;
  cmd->add_option("--bootstrap-servers", o->bootstrap_servers, "Kafka brokers, host:port[,...]")
      ->envname("KAFKA_BOOTSTRAP_SERVERS")
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->add_option("-F,--kafka-config-file", o->config_files,
                  "File of librdkafka properties, key=value a line (repeatable)")
      ->envname("KAFKA_CONFIG_FILE")
      ->delimiter(',')
      ->group(kGroupKafka);
  cmd->add_option("-X,--kafka-property", o->properties,
                  "Any librdkafka property, key=value (repeatable; applied last)")
      ->group(kGroupKafka);
  cmd->add_option("--security-protocol", o->security_protocol, "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
      ->envname("KAFKA_SECURITY_PROTOCOL")
      ->check(CLI::IsMember({"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}, CLI::ignore_case))
      ->group(kGroupKafkaSecurity);
  cmd->add_option("--sasl-mechanism", o->sasl_mechanism, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
      ->envname("KAFKA_SASL_MECHANISM")
      ->check(CLI::IsMember({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}, CLI::ignore_case))
      ->group(kGroupKafkaSecurity);
  cmd->add_option("--sasl-username", o->sasl_username, "SASL user name")
      ->envname("KAFKA_SASL_USERNAME")
      ->group(kGroupKafkaSecurity);
  cmd->add_option("--sasl-password-file", o->sasl_password_file,
                  "File of the SASL password (or set KAFKA_SASL_PASSWORD)")
      ->envname("KAFKA_SASL_PASSWORD_FILE")
      ->group(kGroupKafkaSecurity);
  cmd->add_option("--ssl-ca-location", o->ssl_ca_location, "PEM file of the brokers' CA certificates")
      ->envname("KAFKA_SSL_CA_LOCATION")
      ->group(kGroupKafkaSecurity);
  cmd->add_option("--ssl-certificate-location", o->ssl_certificate_location,
                  "PEM client certificate, for mutual TLS")
      ->envname("KAFKA_SSL_CERTIFICATE_LOCATION")
      ->group(kGroupKafkaSecurity);
  cmd->add_option("--ssl-key-location", o->ssl_key_location, "PEM private key of the client certificate")
      ->envname("KAFKA_SSL_KEY_LOCATION")
      ->group(kGroupKafkaSecurity);
}

// The schema registry flags of Avro input and output. The password has no flag: it comes from
// SCHEMA_REGISTRY_PASSWORD or the file of --schema-registry-password-file.
inline void AddSchemaRegistryFlags(CLI::App* cmd, SchemaRegistryOptions* o) {
  if (const char* password = std::getenv("SCHEMA_REGISTRY_PASSWORD")) o->password = password;
  cmd->add_option("--schema-registry-url,--schema-registry", o->url,
                  "Confluent-compatible schema registry, http(s)://host:port[/path]")
      ->envname("SCHEMA_REGISTRY_URL")
      ->group(kGroupAvro);
  cmd->add_option("--schema-registry-user", o->username, "Registry user (HTTP basic authentication)")
      ->envname("SCHEMA_REGISTRY_USER")
      ->group(kGroupAvro);
  cmd->add_option("--schema-registry-password-file", o->password_file,
                  "File of the registry password (or set SCHEMA_REGISTRY_PASSWORD)")
      ->envname("SCHEMA_REGISTRY_PASSWORD_FILE")
      ->group(kGroupAvro);
  cmd->add_option("--schema-registry-ca-location", o->ca_location, "PEM file of an https registry's CA")
      ->envname("SCHEMA_REGISTRY_CA_LOCATION")
      ->group(kGroupAvro);
}

// --topic, --enriched-topic and --dlq-topic (KAFKA_TOPIC, KAFKA_ENRICHED_TOPIC, KAFKA_DLQ_TOPIC): the
// pipeline's topics, named the same way for `run`, which uses them, and `topics`, which creates them.
inline void AddPipelineTopicFlags(CLI::App* cmd, std::string* input, std::string* enriched,
                                  std::string* dlq) {
  cmd->add_option("--topic", *input, "Input topic")
      ->envname("KAFKA_TOPIC")
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->add_option("--enriched-topic", *enriched, "Output topic of enriched events")
      ->envname("KAFKA_ENRICHED_TOPIC")
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->add_option("--dlq-topic", *dlq, "Dead-letter topic for rejected records")
      ->envname("KAFKA_DLQ_TOPIC")
      ->capture_default_str()
      ->group(kGroupKafka);
}

// A subcommand of `clickstream`, its help flag in the Help group and its help ending with `footer`, the
// docs page to read for more.
inline CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& description,
                            const std::string& footer) {
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->get_help_ptr()->group(kGroupHelp);
  cmd->footer(footer);
  return cmd;
}

// The analytics settings (SPEC.md section 8) of the subcommands that run the engine (`run`, `replay`),
// each a flag with an environment variable: whole seconds, written 90s, 5m or 1h.
inline void AddAnalyticsFlags(CLI::App* cmd, EngineOptions* o) {
  const auto add = [cmd](const std::string& name, const std::string& env, Duration* value,
                         const std::string& what) {
    cmd->add_option_function<std::string>(
           name,
           [name, value](const std::string& text) {
             const Result<Duration> parsed = ParseWholeSeconds(text);
             if (!parsed.ok()) throw CLI::ValidationError(name, parsed.status().message());
             *value = *parsed;
           },
           what)
        ->type_name("DURATION")
        ->envname(env)
        ->default_str(FormatWholeSeconds(*value))
        ->group(kGroupAnalytics);
  };
  // Durations are whole seconds with a unit: 90s, 5m, 1h.
  add("--page-view-window", "PAGE_VIEW_WINDOW", &o->page_view_window,
      "Length of the page_view_counts windows (90s, 5m, 1h)");
  add("--active-users-window", "ACTIVE_USERS_WINDOW", &o->active_users_window,
      "Length of the active_users windows; a multiple of the slide");
  add("--active-users-slide", "ACTIVE_USERS_SLIDE", &o->active_users_slide,
      "Step between the starts of active_users windows");
  add("--session-gap", "SESSION_GAP", &o->session_gap, "Inactivity after which a user's session ends");
  add("--watermark-delay", "WATERMARK_DELAY", &o->allowed_lateness,
      "How far the watermark trails the latest event time");
}

// The analytics settings together (a window a multiple of its slide, ...): when they do not fit, a
// one-line error naming the flags and exit code kExitUsage.
inline void CheckAnalyticsFlags(const std::string& command, const EngineOptions& o) {
  const Status valid = o.Validate();
  if (valid.ok()) return;
  std::fprintf(stderr, "clickstream %s: %s\n", command.c_str(), valid.message().c_str());
  throw CLI::RuntimeError(kExitUsage);
}

void RegisterProduceCommand(CLI::App& app);
void RegisterTopicsCommand(CLI::App& app);
void RegisterRunCommand(CLI::App& app);
void RegisterTailCommand(CLI::App& app);
void RegisterReplayCommand(CLI::App& app);

}  // namespace clickstream::cli
