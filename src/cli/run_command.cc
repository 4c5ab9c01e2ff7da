// `clickstream run`: the streaming service (src/service/pipeline.h).
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/command.h"
#include "cli/stop_signal.h"
#include "service/http_server.h"
#include "service/pipeline_threads.h"
#include "service/process_probe.h"

namespace clickstream::cli {
namespace {

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
         what + " (octal; default " + fallback + ")")
      ->envname(env);
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
      auto started = HttpServer::Start(
          {http.address, http.port, options.commit_interval_ms, options.kafka, options.db, *auth}, &probe);
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
      app.add_subcommand("run", "Run the streaming pipeline: Kafka in; PostgreSQL, lake, enriched topic out");
  AddLogLevelFlag(cmd);
  AddKafkaClientFlags(cmd, &o->kafka);
  cmd->add_option("--group-id", o->group_id,
                  "Consumer group; processes with one group id split the partitions")
      ->envname("KAFKA_GROUP_ID")
      ->capture_default_str();
  cmd->add_option("--instance-id", o->instance_id,
                  "Static group membership id: a restarted process gets its partitions back at once")
      ->envname("KAFKA_GROUP_INSTANCE_ID");
  cmd->add_option("--threads", o->threads,
                  "Consumers of the group in this process, each on its own thread with its own partitions; "
                  "more than the input partitions leaves some idle")
      ->envname("CLICKSTREAM_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--session-timeout-ms", o->session_timeout_ms,
                  "Milliseconds after which a crashed member's partitions move to others")
      ->envname("KAFKA_SESSION_TIMEOUT_MS")
      ->check(CLI::Range(6000, 300000))
      ->capture_default_str();
  AddPipelineTopicFlags(cmd, &o->input_topic, &o->enriched_topic, &o->dlq_topic);
  cmd->add_option_function<std::string>(
         "--input-format",
         [o](const std::string& format) {
           o->input_format = format == "avro" ? InputFormat::kAvro : InputFormat::kJson;
         },
         "Encoding of input records: json, or avro (Confluent wire format; needs --schema-registry-url)")
      ->envname("INPUT_FORMAT")
      ->check(CLI::IsMember({"json", "avro"}))
      ->default_str("json");
  AddSchemaRegistryFlags(cmd, &o->schema_registry);
  cmd->add_option("--commit-interval-ms", o->commit_interval_ms,
                  "Milliseconds of reading between commits (each commit's Kafka transactions pause reading)")
      ->envname("COMMIT_INTERVAL_MS")
      ->check(Positive())
      ->capture_default_str();
  cmd->add_option(
         "--max-result-delay", o->max_result_delay_ms,
         "While records read are this many milliseconds old or older, commits are spaced as far; 0 = never")
      ->envname("MAX_RESULT_DELAY")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--status-interval", o->status_interval_s, "Seconds between status lines; 0 = none")
      ->envname("STATUS_INTERVAL")
      ->check(NonNegative())
      ->capture_default_str();
  cmd->add_option("--lake-dir", o->lake_dir, "Root directory of the Parquet lake")
      ->envname("LAKE_DIR")
      ->capture_default_str();
  cmd->add_option("--lake-roll-bytes", o->lake_roll_bytes,
                  "Buffered bytes per partition before a lake file is written")
      ->envname("LAKE_ROLL_BYTES")
      ->check(Positive())
      ->capture_default_str();
  cmd->add_option("--lake-roll-age", o->lake_roll_age_s,
                  "Seconds before a partition's buffered rows are written")
      ->envname("LAKE_ROLL_AGE")
      ->check(Positive())
      ->capture_default_str();
  cmd->add_option("--max-future", o->max_future_s,
                  "Seconds an event_time may be ahead of its Kafka record's timestamp; events further ahead "
                  "are rejected as future_event_time")
      ->envname("MAX_FUTURE")
      ->check(Positive())
      ->capture_default_str();
  cmd->add_option("--db-host", o->db.host, "PostgreSQL host")->envname("DB_HOST")->capture_default_str();
  cmd->add_option("--db-port", o->db.port, "PostgreSQL port")
      ->envname("DB_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--db-user", o->db.user, "PostgreSQL role")->envname("DB_USER")->capture_default_str();
  // No password flag: argv is visible in `ps`. DB_PASSWORD, else libpq's PGPASSWORD or PGPASSFILE.
  if (const char* password = std::getenv("DB_PASSWORD")) o->db.password = password;
  cmd->add_option(
         "--db-password-file", o->db.password_file,
         "File whose first line is the PostgreSQL password (or set DB_PASSWORD, PGPASSWORD, PGPASSFILE)")
      ->envname("DB_PASSWORD_FILE");
  cmd->add_option(
         "--db-url", o->db.url,
         "libpq connection string or postgresql:// URI (sslmode, sslrootcert, sslcert, sslkey, ...); "
         "replaces --db-host, --db-port, --db-user and --db-name")
      ->envname("DATABASE_URL");
  cmd->add_option("--db-name", o->db.dbname, "PostgreSQL database")
      ->envname("DB_NAME")
      ->capture_default_str();
  cmd->add_option("--db-timeout-ms", o->db.timeout_ms,
                  "Milliseconds PostgreSQL may take to connect or to run a statement, and to notice a dead "
                  "connection, before the attempt fails and is retried")
      ->envname("DB_TIMEOUT_MS")
      ->check(CLI::Range(1000, 3600000))
      ->capture_default_str();
  cmd->add_option("--http-port", http->port,
                  "Port of /metrics, /healthz and the dashboard page (/); 0 = no HTTP server")
      ->envname("HTTP_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--http-address", http->address,
                  "Address the HTTP server listens on; beyond loopback it needs --http-token-file, "
                  "--http-basic-auth-file or --http-allow-unauthenticated")
      ->envname("HTTP_ADDRESS")
      ->capture_default_str();
  cmd->add_option("--http-token-file", http->token_file,
                  "File whose first line is a bearer token every HTTP request must carry "
                  "(Authorization: Bearer <token>)")
      ->envname("HTTP_TOKEN_FILE");
  cmd->add_option("--http-basic-auth-file", http->basic_auth_file,
                  "File of user:password lines, accepted as HTTP basic authentication")
      ->envname("HTTP_BASIC_AUTH_FILE");
  cmd->add_flag("--http-allow-unauthenticated", http->allow_unauthenticated,
                "Serve HTTP beyond loopback without credentials (it is meant to be open)")
      ->envname("HTTP_ALLOW_UNAUTHENTICATED");
  AddAnalyticsFlags(cmd, &o->engine);
  cmd->add_flag("--reset-results", o->reset_results,
                "When the database's results were computed with other analytics settings, delete them (with "
                "late events and every partition's progress) and compute them anew from the earliest input "
                "in Kafka; the lake gets those events again. Stop the group's other processes first")
      ->envname("RESET_RESULTS");
  AddModeOption(cmd, "--lake-file-mode", "LAKE_FILE_MODE", &o->lake_file_mode, "Permissions of lake files");
  AddModeOption(cmd, "--lake-dir-mode", "LAKE_DIR_MODE", &o->lake_dir_mode,
                "Permissions of the lake directories the pipeline creates");
  cmd->callback([o, http] {
    CheckAnalyticsFlags("run", o->engine);
    RunPipeline(*o, *http);
  });
}

}  // namespace clickstream::cli
