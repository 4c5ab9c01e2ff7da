// Access to the Kafka broker and PostgreSQL server that scripts/services.sh started for the test run
// (ctest fixture "services"): their settings are read from $CLICKSTREAM_STATE_DIR/services.env.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "postgres/connection.h"

namespace clickstream::testing {

struct TestServices {
  std::string bootstrap_servers;
  pg::ConnectionOptions pg;
  // Confluent API of the schema registry; empty unless ctest's "registry" fixture started it.
  std::string schema_registry_url;
};

// Aborts the test binary with a clear message when the services are not running.
const TestServices& Services();

// Path of the built `clickstream` binary.
std::string ClickstreamBinary();
// The checkout's root directory.
std::string SourceDir();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs a shell command line and captures its output.
CommandResult RunCommand(const std::string& command_line);

// The whole content of the file at `path`, empty if it cannot be read (e.g. a log not written yet).
std::string ReadFile(const std::string& path);
// How many times `needle` occurs in `text` (e.g. a log line's words in a log).
size_t Occurrences(std::string_view text, std::string_view needle);

// The samples of a /metrics page: "name{labels}" -> value.
std::map<std::string, double> ParseMetrics(const std::string& text);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// A topic name unique to this test process.
std::string UniqueTopic(const std::string& prefix);

struct ConsumedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
  // What `key`, `value` and `headers` cannot tell: a null key or value, headers in order with null values.
  bool key_null = false;
  bool value_null = false;
  std::vector<std::pair<std::string, std::optional<std::string>>> header_list;
  int64_t timestamp_ms = -1;
};
// Reads every partition of `topic` from the beginning until `expected` records arrived or
// `timeout_s` passed. `read_committed` sets isolation.level (transactional producers).
std::vector<ConsumedRecord> ConsumeAll(const std::string& topic, size_t expected, int timeout_s,
                                       bool read_committed = false);

// A record to produce: key and value.
struct KeyedRecord {
  std::string key;
  std::string value;
};
// Produces `records` to `topic` (partitioned by key, idempotent) and waits until all are acknowledged.
void ProduceAll(const std::string& topic, const std::vector<KeyedRecord>& records);

// A record with everything a producer can set: a null key or value, headers (null values too), timestamp.
struct RawRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp_ms = 0;  // 0: now
};
// Like ProduceAll, for records up to 2 MB.
void ProduceRaw(const std::string& topic, const std::vector<RawRecord>& records);

// One idempotent producer for a stream sent in chunks: a producer made per chunk would pay its set-up
// (metadata, producer id) every time, seconds over a stream of a thousand chunks.
// Thread safety: one thread at a time.
class TestProducer {
 public:
  TestProducer();
  ~TestProducer();
  // Produces `records` to `topic` (partitioned by key) and waits until all are acknowledged.
  void Produce(const std::string& topic, const std::vector<RawRecord>& records);
  void Produce(const std::string& topic, const std::vector<KeyedRecord>& records);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A child process (the pipeline under test) with its output in a log file.
class ChildProcess {
 public:
  // Starts `argv` with `env` added to this process's environment.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
               const std::string& log_path);
  ~ChildProcess();
  void Signal(int sig);
  // Waits up to `timeout_s` for the exit; returns the exit code, or -1 if it did not exit or was killed.
  int Wait(int timeout_s);
  bool running();
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
};

// Empties every table of `db`: one database holds one pipeline's results, and a pipeline claiming a
// partition would otherwise find an earlier test's progress and lake batches.
void ResetTables(pg::Connection& db);

// Runs scripts/services.sh with `args` against the test services (e.g. "pg-stop").
int ServicesScript(const std::string& args);

}  // namespace clickstream::testing
