#include "test_services.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "kafka/client_config.h"

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
    s.schema_registry_url = kv["SCHEMA_REGISTRY_URL"];
    return s;
  }();
  return services;
}

std::string ClickstreamBinary() { return CLICKSTREAM_BINARY; }

std::string SourceDir() { return CLICKSTREAM_SOURCE_DIR; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t Occurrences(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

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

std::map<std::string, double> ParseMetrics(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
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
    ConsumedRecord r;
    r.partition = msg->partition();
    r.offset = msg->offset();
    r.key = msg->key() ? *msg->key() : std::string();
    r.value.assign(static_cast<const char*>(msg->payload()), msg->len());
    r.key_null = msg->key_pointer() == nullptr;
    r.value_null = msg->payload() == nullptr;
    r.timestamp_ms = msg->timestamp().timestamp;
    if (RdKafka::Headers* h = msg->headers()) {
      for (const auto& header : h->get_all()) {
        std::optional<std::string> value;
        if (header.value() != nullptr)
          value.emplace(static_cast<const char*>(header.value()), header.value_size());
        r.headers[header.key()] = value.value_or("");
        r.header_list.emplace_back(header.key(), std::move(value));
      }
    }
    out.push_back(std::move(r));
  }
  consumer->close();
  return out;
}

void ProduceAll(const std::string& topic, const std::vector<KeyedRecord>& records) {
  TestProducer().Produce(topic, records);
}

void ProduceRaw(const std::string& topic, const std::vector<RawRecord>& records) {
  TestProducer().Produce(topic, records);
}

// Remembers the first failed delivery: flush() succeeds even when the broker refused records.
struct DeliveryErrors : RdKafka::DeliveryReportCb {
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() != RdKafka::ERR_NO_ERROR && first.empty()) first = message.errstr();
  }
  std::string first;
};

struct TestProducer::Impl {
  DeliveryErrors errors;
  std::unique_ptr<RdKafka::Producer> producer;
};

TestProducer::TestProducer() : impl_(std::make_unique<Impl>()) {}
TestProducer::~TestProducer() = default;

void TestProducer::Produce(const std::string& topic, const std::vector<KeyedRecord>& records) {
  std::vector<RawRecord> raw;
  raw.reserve(records.size());
  for (const auto& r : records) raw.push_back({r.key, r.value, {}, 0});
  Produce(topic, raw);
}

void TestProducer::Produce(const std::string& topic, const std::vector<RawRecord>& records) {
  if (!impl_->producer) {
    auto conf = kafka::MakeConf({{"bootstrap.servers", Services().bootstrap_servers},
                                 {"linger.ms", "5"},
                                 {"message.max.bytes", "2100000"},
                                 {"enable.idempotence", "true"}});
    ASSERT_TRUE(conf.ok()) << conf.status().message();
    std::string err;
    (*conf)->set("dr_cb", &impl_->errors, err);
    impl_->producer.reset(RdKafka::Producer::create(conf->get(), err));
    ASSERT_TRUE(impl_->producer) << err;
  }
  RdKafka::Producer* producer = impl_->producer.get();
  for (const auto& r : records) {
    for (;;) {
      RdKafka::Headers* headers = nullptr;
      if (!r.headers.empty()) {
        headers = RdKafka::Headers::create();
        for (const auto& [name, value] : r.headers) {
          headers->add(name, value ? value->data() : nullptr, value ? value->size() : 0);
        }
      }
      const RdKafka::ErrorCode code = producer->produce(
          topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
          r.value ? const_cast<char*>(r.value->data()) : nullptr, r.value ? r.value->size() : 0,
          r.key ? r.key->data() : nullptr, r.key ? r.key->size() : 0, r.timestamp_ms, headers, nullptr);
      if (code == RdKafka::ERR_NO_ERROR) break;  // librdkafka owns the headers now
      delete headers;
      ASSERT_EQ(code, RdKafka::ERR__QUEUE_FULL) << RdKafka::err2str(code);
      producer->poll(10);
    }
    producer->poll(0);
  }
  // Generous: the records may have to wait for a broker being restarted, which on a busy machine takes
  // well over 30 s (pipeline_test's restart timed out at 30 s under parallel builds).
  ASSERT_EQ(producer->flush(120000), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(impl_->errors.first, "") << "the broker refused records of " << topic;
}

void ResetTables(pg::Connection& db) {
  ASSERT_TRUE(
      db.Exec("DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = "
              "'public' LOOP EXECUTE format('TRUNCATE %I', t); END LOOP; END $$")
          .ok());
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                           const std::string& log_path) {
  // posix_spawn, not fork: this process has librdkafka threads, and a forked child that allocates
  // before exec can deadlock on a lock another thread held.
  std::vector<std::string> env_strings = env;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp, args;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
}

ChildProcess::~ChildProcess() {
  if (running()) {
    Signal(SIGKILL);
    Wait(10);
  }
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0 && !exited_) kill(pid_, sig);
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exited_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

int ChildProcess::Wait(int timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited_) return -1;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

int ServicesScript(const std::string& args) {
  return RunCommand("bash " + SourceDir() + "/scripts/services.sh " + args).exit_code;
}

}  // namespace clickstream::testing
