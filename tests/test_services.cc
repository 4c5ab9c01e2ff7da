#include "test_services.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace clickstream::testing {
namespace {

std::map<std::string, std::string> ReadSettings() {
  const char* dir = std::getenv("CLICKSTREAM_STATE_DIR");
  const std::string path = std::string(dir ? dir : "") + "/services.env";
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s: the test services are not running (run the tests through ctest)\n",
                 path.c_str());
    std::abort();
  }
  std::map<std::string, std::string> kv;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return kv;
}

}  // namespace

const TestServices& Services() {
  static const TestServices services = [] {
    auto kv = ReadSettings();
    TestServices s;
    s.bootstrap_servers = kv["KAFKA_BOOTSTRAP_SERVERS"];
    s.pg.host = kv["DB_HOST"];
    s.pg.port = std::stoi(kv["DB_PORT"]);
    s.pg.user = kv["DB_USER"];
    s.pg.password = kv["DB_PASSWORD"];
    s.pg.dbname = kv["DB_NAME"];
    return s;
  }();
  return services;
}

std::string ClickstreamBinary() { return CLICKSTREAM_BINARY; }

CommandResult RunCommand(const std::string& command_line) {
  CommandResult result;
  FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string UniqueTopic(const std::string& prefix) {
  static int counter = 0;
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

std::vector<ConsumedRecord> ConsumeAll(const std::string& topic, size_t expected, int timeout_s,
                                       bool read_committed) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", Services().bootstrap_servers, err);
  conf->set("group.id", "test-reader-" + topic, err);
  conf->set("enable.auto.commit", "false", err);
  conf->set("auto.offset.reset", "earliest", err);
  conf->set("isolation.level", read_committed ? "read_committed" : "read_uncommitted", err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  std::vector<ConsumedRecord> out;
  if (!consumer) return out;
  consumer->subscribe({topic});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(200));
    if (msg->err() != RdKafka::ERR_NO_ERROR) continue;
    out.push_back({msg->partition(), msg->offset(), msg->key() ? *msg->key() : std::string(),
                   std::string(static_cast<const char*>(msg->payload()), msg->len())});
  }
  consumer->close();
  return out;
}

}  // namespace clickstream::testing
