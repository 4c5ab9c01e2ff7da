// `clickstream run`: the streaming service (src/service/pipeline.h).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/stop_signal.h"
#include "common/duration_text.h"
#include "observability/http_server.h"
#include "observability/process_probe.h"
#include "service/pipeline_threads.h"
#include "service/retention_worker.h"

namespace clickstream::cli {
namespace {

// How often --results-retention deletes what expired: a pass with nothing to delete is a few index
// probes, and results expire at the pace of event time, so this bounds how long expired rows stay.
constexpr std::chrono::milliseconds kRetentionInterval{10000};

// An octal permission option such as 0640 (LakeWriter checks the owner's bits).
void AddModeOption(CLI::App* cmd, const std::string& name, const std::string& env, unsigned* mode,
                   const std::string& what) {
  char fallback[8];
  std::snprintf(fallback, sizeof fallback, "%04o", *mode);
  cmd->add_option_function<std::string>(
         name,
         [mode, name](const std::string& text) {
           size_t used = 0;
           unsigned long value = 0;
           try {
             value = std::stoul(text, &used, 8);
           } catch (const std::exception&) {
             used = 0;
           }
           if (used == 0 || used != text.size() || value > 0777) {
             throw CLI::ValidationError(name, "must be octal permissions such as 0640, got '" + text + "'");
           }
           *mode = static_cast<unsigned>(value);
         },
         what + ", octal")
      ->envname(env)
      ->default_str(fallback)
      ->group(kGroupLake);
}

// `running`: the failure came after the start, while the pipeline ran.
int ExitCodeFor(const Status& status, bool running) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    // At start a refusal is a setting to fix (wrong password, missing privilege); while running, the
    // server refused results it used to take.
    case StatusCode::kRefused:
      return running ? kExitRefused : kExitUnavailable;
    case StatusCode::kUnavailable:
    case StatusCode::kNotFound:
      return kExitUnavailable;  // e.g. the schema is not applied
    case StatusCode::kIoError:
    case StatusCode::kInvalidData:
      return kExitData;
    case StatusCode::kFenced:
      return kExitFenced;
    default:
      return kExitInternal;
  }
}

struct HttpFlags {
  std::string address = "127.0.0.1";
  int port = 18080;
  std::string token_file;
  std::string basic_auth_file;
  bool allow_unauthenticated = false;
};

void RunPipeline(const PipelineOptions& options, const HttpFlags& http) {
  ProcessProbe probe(options.threads);
  Status status;
  std::unique_ptr<HttpServer> server;  // serves while the pipeline starts, runs and stops
  if (http.port != 0) {
    auto auth = LoadHttpAuth(http.token_file, http.basic_auth_file, http.allow_unauthenticated);
    status = auth.ok() ? CheckHttpExposure(http.address, *auth) : auth.status();
    if (status.ok()) {
      auto started = HttpServer::Start({http.address,
                                        http.port,
                                        options.commit_interval_ms,
                                        options.kafka,
                                        options.db,
                                        *auth,
                                        {options.engine, options.results_retention}},
                                       &probe);
      if (started.ok()) {
        server = std::move(*started);
      } else {
        status = started.status();
      }
    }
  }
  bool running = false;
  if (status.ok()) {
    auto pipeline = PipelineThreads::Start(options, probe.threads());
    running = pipeline.ok();
    std::optional<RetentionWorker> retention;  // deletes beside the pipeline while it runs
    if (running && options.results_retention) {
      retention.emplace(options.db, *options.results_retention, kRetentionInterval, probe.retention());
    }
    status = running ? (*pipeline)->Run(&StopRequested) : pipeline.status();
  }
  server.reset();
  if (!status.ok()) {
    std::fprintf(stderr, "clickstream run: %s\n", status.message().c_str());
    throw CLI::RuntimeError(ExitCodeFor(status, running));
  }
}

}  // namespace

void RegisterRunCommand(CLI::App& app) {
  auto o = std::make_shared<PipelineOptions>();
  auto http = std::make_shared<HttpFlags>();
  CLI::App* cmd =
      AddCommand(app, "run", "The streaming pipeline: Kafka in; PostgreSQL, lake, topics out",
                 "Every flag: docs/configuration.md; health, metrics, exit codes: docs/operations.md");
  AddLogLevelFlag(cmd);
  AddKafkaClientFlags(cmd, &o->kafka);
  cmd->add_option("--group-id", o->group_id, "Consumer group; processes of one group split the partitions")
      ->envname("KAFKA_GROUP_ID")
      ->capture_default_str()
      ->group(kGroupKafka);
  cmd->add_option("--instance-id", o->instance_id, "Static membership id: a restart keeps the partitions")
      ->envname("KAFKA_GROUP_INSTANCE_ID")
      ->group(kGroupKafka);
  cmd->add_option("--threads", o->threads, "Consumers of the group in this process, one thread each")
      ->envname("CLICKSTREAM_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str()
      ->group(kGroupPipeline);
  cmd->add_option("--session-timeout-ms", o->session_timeout_ms,
                  "Milliseconds before a silent member's partitions move")
      ->envname("KAFKA_SESSION_TIMEOUT_MS")
      ->check(CLI::Range(6000, 300000))
      ->capture_default_str()
      ->group(kGroupKafka);
  AddPipelineTopicFlags(cmd, &o->input_topic, &o->enriched_topic, &o->dlq_topic);
  cmd->add_option_function<std::string>(
         "--input-format",
         [o](const std::string& format) {
           o->input_format = format == "avro" ? InputFormat::kAvro : InputFormat::kJson;
         },
         "Input records: json, or avro (needs --schema-registry-url)")
      ->envname("INPUT_FORMAT")
      ->check(CLI::IsMember({"json", "avro"}))
      ->default_str("json")
      ->group(kGroupAvro);
  AddSchemaRegistryFlags(cmd, &o->schema_registry);
  cmd->add_option("--commit-interval-ms", o->commit_interval_ms, "Milliseconds of reading between commits")
      ->envname("COMMIT_INTERVAL_MS")
      ->check(Positive())
      ->capture_default_str()
      ->group(kGroupPipeline);
  cmd->add_option("--max-result-delay", o->max_result_delay_ms,
                  "Milliseconds of input age above which commits space out; 0 = never")
      ->envname("MAX_RESULT_DELAY")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(kGroupPipeline);
  cmd->add_option("--status-interval", o->status_interval_s, "Seconds between status lines; 0 = none")
      ->envname("STATUS_INTERVAL")
      ->check(NonNegative())
      ->capture_default_str()
      ->group(kGroupLogging);
  cmd->add_option("--lake-dir", o->lake_dir, "Root directory of the Parquet lake")
      ->envname("LAKE_DIR")
      ->capture_default_str()
      ->group(kGroupLake);
  cmd->add_option("--lake-roll-bytes", o->lake_roll_bytes, "Buffered bytes per partition before a lake file")
      ->envname("LAKE_ROLL_BYTES")
      ->check(Positive())
      ->capture_default_str()
      ->group(kGroupLake);
  cmd->add_option("--lake-roll-age", o->lake_roll_age_s, "Seconds rows are buffered before a lake file")
      ->envname("LAKE_ROLL_AGE")
      ->check(Positive())
      ->capture_default_str()
      ->group(kGroupLake);
  cmd->add_option("--max-future", o->max_future_s, "Seconds an event_time may lead its record's timestamp")
      ->envname("MAX_FUTURE")
      ->check(Positive())
      ->capture_default_str()
      ->group(kGroupAnalytics);
  cmd->add_option("--db-host", o->db.host, "PostgreSQL host")
      ->envname("DB_HOST")
      ->capture_default_str()
      ->group(kGroupPostgres);
  cmd->add_option("--db-port", o->db.port, "PostgreSQL port")
      ->envname("DB_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str()
      ->group(kGroupPostgres);
  cmd->add_option("--db-user", o->db.user, "PostgreSQL role")
      ->envname("DB_USER")
      ->capture_default_str()
      ->group(kGroupPostgres);
  // No password flag: argv is visible in `ps`. DB_PASSWORD, else libpq's PGPASSWORD or PGPASSFILE.
  if (const char* password = std::getenv("DB_PASSWORD")) o->db.password = password;
  cmd->add_option("--db-password-file", o->db.password_file,
                  "File of the password (or DB_PASSWORD, PGPASSWORD, PGPASSFILE)")
      ->envname("DB_PASSWORD_FILE")
      ->group(kGroupPostgres);
  cmd->add_option("--db-url", o->db.url, "libpq connection string or URI; replaces --db-host etc.")
      ->envname("DATABASE_URL")
      ->group(kGroupPostgres);
  cmd->add_option("--db-name", o->db.dbname, "PostgreSQL database")
      ->envname("DB_NAME")
      ->capture_default_str()
      ->group(kGroupPostgres);
  cmd->add_option("--db-timeout-ms", o->db.timeout_ms,
                  "Milliseconds to connect, run a statement or notice a dead peer")
      ->envname("DB_TIMEOUT_MS")
      ->check(CLI::Range(1000, 3600000))
      ->capture_default_str()
      ->group(kGroupPostgres);
  cmd->add_option("--http-port", http->port, "Port of the dashboard, /metrics and /healthz; 0 = none")
      ->envname("HTTP_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str()
      ->group(kGroupHttp);
  cmd->add_option("--http-address", http->address,
                  "Address to listen on; beyond loopback it needs credentials")
      ->envname("HTTP_ADDRESS")
      ->capture_default_str()
      ->group(kGroupHttp);
  cmd->add_option("--http-token-file", http->token_file, "File of the bearer token every request must carry")
      ->envname("HTTP_TOKEN_FILE")
      ->group(kGroupHttp);
  cmd->add_option("--http-basic-auth-file", http->basic_auth_file,
                  "File of user:password lines (HTTP basic authentication)")
      ->envname("HTTP_BASIC_AUTH_FILE")
      ->group(kGroupHttp);
  cmd->add_flag("--http-allow-unauthenticated", http->allow_unauthenticated,
                "Serve beyond loopback without credentials")
      ->envname("HTTP_ALLOW_UNAUTHENTICATED")
      ->group(kGroupHttp);
  AddAnalyticsFlags(cmd, &o->engine);
  cmd->add_flag("--reset-results", o->reset_results,
                "Recompute results made with other analytics settings")
      ->envname("RESET_RESULTS")
      ->group(kGroupAnalytics);
  cmd->add_option_function<std::string>(
         "--results-retention",
         [o](const std::string& text) {
           const Result<std::optional<Duration>> parsed = ParseRetention(text);
           if (!parsed.ok()) throw CLI::ValidationError("--results-retention", parsed.status().message());
           o->results_retention = *parsed;
         },
         "Event time results and late events are kept: 30d, 36h; forever")
      ->type_name("DURATION")
      ->envname("RESULTS_RETENTION")
      ->default_str(FormatRetention(o->results_retention))
      ->group(kGroupPostgres);
  AddModeOption(cmd, "--lake-file-mode", "LAKE_FILE_MODE", &o->lake_file_mode, "Permissions of lake files");
  AddModeOption(cmd, "--lake-dir-mode", "LAKE_DIR_MODE", &o->lake_dir_mode,
                "Permissions of new lake directories");
  cmd->callback([o, http] {
    CheckAnalyticsFlags("run", o->engine);
    RunPipeline(*o, *http);
  });
}

}  // namespace clickstream::cli
