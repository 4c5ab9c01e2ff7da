// `clickstream` against a broker that takes SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) only and a
// PostgreSQL that takes TLS only, checked by the client with verify-full (ctest fixture "secure_services":
// scripts/services.sh with CLICKSTREAM_SECURE=1). A run goes end to end through both
// with SCRAM-SHA-512, each mechanism produces and reads back; a wrong password, a wrong CA and a plaintext
// client each end with exit code 3 and one line naming the cause; no password is ever printed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "kafka/client_config.h"
#include "kafka/topics.h"
#include "postgres/connection.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

// A refused login or TLS handshake ends the process within this long (librdkafka knows the cause within
// milliseconds; the reachability deadline it must not wait for is 10 s).
constexpr double kPromptRefusalSeconds = 2.0;

using Env = std::map<std::string, std::string>;

// The secured services' client settings, as `scripts/services.sh env` prints them.
Env SecureSettings() {
  const char* dir = std::getenv("CLICKSTREAM_STATE_DIR");
  std::ifstream in(std::string(dir ? dir : "") + "/services.env");
  Env kv;
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    kv[line.substr(0, eq)] = value;
  }
  return kv;
}

// What `clickstream` needs from the environment to reach the secured services.
Env ClientEnv(const Env& s) {
  Env env;
  for (const char* key :
       {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD", "KAFKA_SSL_CA_LOCATION", "KAFKA_SSL_CERTIFICATE_LOCATION",
        "KAFKA_SSL_KEY_LOCATION", "DATABASE_URL", "DB_PASSWORD"}) {
    env[key] = s.at(key);
  }
  return env;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string EnvPrefix(const Env& env) {
  std::string out = "env";
  for (const auto& [k, v] : env) out += " " + k + "=" + ShellQuote(v);
  return out;
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

kafka::ClientOptions KafkaClient(const Env& s) {
  kafka::ClientOptions o(s.at("KAFKA_BOOTSTRAP_SERVERS"));
  o.security_protocol = s.at("KAFKA_SECURITY_PROTOCOL");
  o.sasl_mechanism = s.at("KAFKA_SASL_MECHANISM");
  o.sasl_username = s.at("KAFKA_SASL_USERNAME");
  o.sasl_password = s.at("KAFKA_SASL_PASSWORD");
  o.ssl_ca_location = s.at("KAFKA_SSL_CA_LOCATION");
  o.ssl_certificate_location = s.at("KAFKA_SSL_CERTIFICATE_LOCATION");
  o.ssl_key_location = s.at("KAFKA_SSL_KEY_LOCATION");
  return o;
}

pg::ConnectionOptions Database(const Env& s) {
  pg::ConnectionOptions o;
  o.url = s.at("DATABASE_URL");
  o.password = s.at("DB_PASSWORD");
  return o;
}

// Kafka's resource type of transactional ids (5). librdkafka's enum names it since after 2.0.2, whose
// headers the code is compiled against; the library it runs on (2.16) takes it.
constexpr auto kTransactionalIdResource = static_cast<rd_kafka_ResourceType_t>(5);

// An ACL of the services' restricted user (KAFKA_ACL_USERNAME), as kafka-acls would add it.
struct Acl {
  rd_kafka_ResourceType_t type;
  std::string name;
  rd_kafka_ResourcePatternType_t pattern;
  rd_kafka_AclOperation_t operation;
  rd_kafka_AclPermissionType_t permission;
};

// Adds `acls` through the admin API, as the super user.
void AddAcls(const Env& s, const std::vector<Acl>& acls) {
  auto conf = kafka::MakeConf(KafkaClient(s), {});
  ASSERT_TRUE(conf.ok()) << conf.status().message();
  std::string err;
  std::unique_ptr<RdKafka::Producer> admin(RdKafka::Producer::create(conf->get(), err));
  ASSERT_TRUE(admin) << err;
  rd_kafka_t* rk = admin->c_ptr();
  const std::string principal = "User:" + s.at("KAFKA_ACL_USERNAME");
  std::vector<rd_kafka_AclBinding_t*> bindings;
  char errstr[512] = "";
  for (const Acl& a : acls) {
    bindings.push_back(rd_kafka_AclBinding_new(a.type, a.name.c_str(), a.pattern, principal.c_str(), "*",
                                               a.operation, a.permission, errstr, sizeof errstr));
    EXPECT_NE(bindings.back(), nullptr) << errstr;
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateAcls(rk, bindings.data(), bindings.size(), nullptr, queue);
  rd_kafka_AclBinding_destroy_array(bindings.data(), bindings.size());
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  rd_kafka_queue_destroy(queue);
  ASSERT_NE(event, nullptr) << "no answer to CreateAcls";
  EXPECT_EQ(rd_kafka_event_error(event), RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_event_error_string(event);
  size_t n = 0;
  const rd_kafka_acl_result_t** results =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(event), &n);
  EXPECT_EQ(n, acls.size());
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* e = rd_kafka_acl_result_error(results[i]);
    EXPECT_EQ(e, nullptr) << rd_kafka_error_string(e);
  }
  rd_kafka_event_destroy(event);
}

class SecureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_ = SecureSettings();
    ASSERT_EQ(settings_["SECURE"], "1") << "run through ctest (fixture secure_services)";
    dir_ = std::filesystem::path(::testing::TempDir()) / UniqueTopic("secure");
    std::filesystem::create_directories(dir_);
  }

  // Every secret of the services: none may appear in any output.
  void ExpectNoSecret(const std::string& text, const std::string& what) const {
    for (const char* key : {"KAFKA_SASL_PASSWORD", "KAFKA_SASL_PLAIN_PASSWORD", "DB_PASSWORD"}) {
      EXPECT_EQ(text.find(settings_.at(key)), std::string::npos) << key << " appears in " << what << ":\n"
                                                                 << text;
    }
  }

  struct Failed {
    int code = -1;
    std::vector<std::string> lines;  // of stderr
    double seconds = 0;              // from start to exit
  };

  // `clickstream run` with the secured settings changed by `overrides`.
  Failed FailingRun(const Env& overrides) {
    Env env = ClientEnv(settings_);
    for (const auto& [k, v] : overrides) env[k] = v;
    env["HTTP_PORT"] = "0";
    env["LAKE_DIR"] = (dir_ / "lake").string();
    const std::string err = (dir_ / "stderr").string();
    const auto start = std::chrono::steady_clock::now();
    const int code = RunCommand("{ " + EnvPrefix(env) + " timeout --preserve-status 60 " +
                                ClickstreamBinary() + " run --status-interval 0 >/dev/null 2>" + err + "; }")
                         .exit_code;
    return {code, Lines(err), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  }

  // A refused connection is reported as soon as librdkafka knows (milliseconds), not at the 10 s
  // reachability deadline.
  static void ExpectPrompt(const Failed& failed) {
    EXPECT_LT(failed.seconds, kPromptRefusalSeconds) << ::testing::PrintToString(failed.lines);
  }

  void ExpectRefused(const Env& overrides, const std::vector<std::string>& words) {
    const Failed failed = FailingRun(overrides);
    const auto& [code, lines, seconds] = failed;
    ExpectPrompt(failed);
    EXPECT_EQ(code, 3);
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
    for (const auto& w : words)
      EXPECT_NE(lines[0].find(w), std::string::npos) << w << " not in: " << lines[0];
    ExpectNoSecret(lines[0], "the error");
  }

  // A CA that signed nothing the services use.
  std::string OtherCa() {
    const std::string ca = (dir_ / "other-ca.pem").string();
    EXPECT_EQ(RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout " +
                         (dir_ / "other-ca.key").string() + " -out " + ca)
                  .exit_code,
              0);
    return ca;
  }

  Env settings_;
  std::filesystem::path dir_;
};

TEST_F(SecureTest, RunsEndToEndThroughSaslSslScramAndVerifiedTls) {
  constexpr int kEvents = 400;
  ASSERT_EQ(settings_.at("KAFKA_SASL_MECHANISM"), "SCRAM-SHA-512");
  const std::string topic = UniqueTopic("secure");
  ASSERT_TRUE(kafka::EnsureTopics(KafkaClient(settings_),
                                  {{topic, 2}, {topic + "_out", 2}, {topic + "_dlq", 1}}, 30000)
                  .ok());
  const CommandResult produced =
      RunCommand(EnvPrefix(ClientEnv(settings_)) + " " + ClickstreamBinary() + " produce --topic " + topic +
                 " --num-events " + std::to_string(kEvents) + " --rate 2000 2>&1");
  ASSERT_EQ(produced.exit_code, 0) << produced.output;
  ExpectNoSecret(produced.output, "produce's output");

  const int http_port = FreePort();
  Env env = ClientEnv(settings_);
  env["LAKE_DIR"] = (dir_ / "lake").string();
  std::vector<std::string> env_list;
  for (const auto& [k, v] : env) env_list.push_back(k + "=" + v);
  const std::string log = (dir_ / "run.log").string();
  ChildProcess run({ClickstreamBinary(), "run", "--topic", topic, "--enriched-topic", topic + "_out",
                    "--dlq-topic", topic + "_dlq", "--group-id", "g-" + topic, "--status-interval", "1",
                    "--http-port", std::to_string(http_port)},
                   env_list, log);

  // Drained: the committed progress of the input partitions adds up to every event.
  int64_t drained = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (drained < kEvents && std::chrono::steady_clock::now() < deadline && run.running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto db = pg::Connection::Open(Database(settings_));
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto rows = db->Query("SELECT coalesce(sum(next_offset), 0) FROM partition_progress");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    drained = std::stoll(std::string(rows->text(0, 0)));
  }
  EXPECT_EQ(drained, kEvents) << "see " << log;
  auto db = pg::Connection::Open(Database(settings_));
  ASSERT_TRUE(db.ok());
  auto ssl = db->Query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  ASSERT_TRUE(ssl.ok());
  EXPECT_EQ(std::string(ssl->text(0, 0)), "t");
  auto views = db->Query("SELECT coalesce(sum(view_count), 0) FROM page_view_counts");
  ASSERT_TRUE(views.ok());
  EXPECT_GT(std::stoll(std::string(views->text(0, 0))), 0);

  const std::string base = "curl -s --max-time 10 http://127.0.0.1:" + std::to_string(http_port);
  const CommandResult metrics = RunCommand(base + "/metrics");
  EXPECT_NE(metrics.output.find("clickstream_"), std::string::npos) << metrics.output;
  ExpectNoSecret(metrics.output, "/metrics");
  const CommandResult summary = RunCommand(base + "/api/summary");
  EXPECT_FALSE(summary.output.empty());
  ExpectNoSecret(summary.output, "/api/summary");
  const CommandResult health = RunCommand(base + "/healthz");
  ExpectNoSecret(health.output, "/healthz");
  // Its broker probe connects with the same secured settings as the pipeline.
  EXPECT_EQ(health.output.rfind("ok", 0), 0u) << health.output;

  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(60), 0) << "see " << log;
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ExpectNoSecret(text, "the run's log");
}

// Each mechanism with its own credential produces and reads back. The user's PLAIN password differs from
// its SCRAM one and each is refused by the other mechanisms, so a login proves the mechanism it used.
TEST_F(SecureTest, EveryMechanismAuthenticatesWithItsOwnCredential) {
  constexpr int kEvents = 20;
  const std::string topic = UniqueTopic("mechanisms");
  const std::pair<const char*, const char*> mechanisms[] = {{"SCRAM-SHA-256", "KAFKA_SASL_PASSWORD"},
                                                            {"SCRAM-SHA-512", "KAFKA_SASL_PASSWORD"},
                                                            {"PLAIN", "KAFKA_SASL_PLAIN_PASSWORD"}};
  std::vector<kafka::TopicSpec> topics;
  for (const auto& [mechanism, password] : mechanisms) topics.push_back({topic + "_" + mechanism, 1});
  ASSERT_TRUE(kafka::EnsureTopics(KafkaClient(settings_), topics, 30000).ok());
  for (const auto& [mechanism, password] : mechanisms) {
    const std::string other =
        std::string(password) == "KAFKA_SASL_PASSWORD" ? "KAFKA_SASL_PLAIN_PASSWORD" : "KAFKA_SASL_PASSWORD";
    Env env = ClientEnv(settings_);
    env["KAFKA_SASL_MECHANISM"] = mechanism;
    env["KAFKA_SASL_PASSWORD"] = settings_.at(password);
    const std::string t = topic + "_" + mechanism;
    const CommandResult produced =
        RunCommand(EnvPrefix(env) + " " + ClickstreamBinary() + " produce --topic " + t + " --num-events " +
                   std::to_string(kEvents) + " --rate 1000 2>&1");
    EXPECT_EQ(produced.exit_code, 0) << mechanism << ": " << produced.output;
    const CommandResult tailed =
        RunCommand(EnvPrefix(env) + " timeout 60 " + ClickstreamBinary() + " tail --from-beginning --max " +
                   std::to_string(kEvents) + " --topic " + t + " 2>&1");
    EXPECT_EQ(tailed.exit_code, 0) << mechanism << ": " << tailed.output;
    EXPECT_EQ(std::count(tailed.output.begin(), tailed.output.end(), '\n'), kEvents) << tailed.output;
    ExpectNoSecret(produced.output + tailed.output, std::string(mechanism) + "'s output");

    env["KAFKA_SASL_PASSWORD"] = settings_.at(other);
    const CommandResult refused =
        RunCommand(EnvPrefix(env) + " " + ClickstreamBinary() + " produce --topic " + t +
                   " --num-events 1 --connect-timeout 3 2>&1");
    EXPECT_EQ(refused.exit_code, 3) << mechanism << " accepted " << other << ": " << refused.output;
    EXPECT_NE(refused.output.find("Authentication"), std::string::npos) << refused.output;
    ExpectNoSecret(refused.output, std::string(mechanism) + "'s refusal");
  }
}

TEST_F(SecureTest, KafkaWrongPassword) {
  const Failed failed = FailingRun({{"KAFKA_SASL_PASSWORD", "not-the-password"}});
  EXPECT_EQ(failed.code, 3);
  ExpectPrompt(failed);
  ASSERT_EQ(failed.lines.size(), 1u) << ::testing::PrintToString(failed.lines);
  for (const char* w : {"Kafka", "Authentication", "KAFKA_SASL_PASSWORD", "SCRAM-SHA-512"})
    EXPECT_NE(failed.lines[0].find(w), std::string::npos) << w << " not in: " << failed.lines[0];
}

// `topics` reaches Kafka through admin requests only; a refused login still ends in one line naming it.
TEST_F(SecureTest, TopicsWithAWrongPassword) {
  Env env = ClientEnv(settings_);
  env["KAFKA_SASL_PASSWORD"] = "not-the-password";
  const std::string err = (dir_ / "topics-stderr").string();
  const CommandResult topics = RunCommand("{ " + EnvPrefix(env) + " " + ClickstreamBinary() +
                                          " topics --timeout 3 >/dev/null 2>" + err + "; }");
  EXPECT_EQ(topics.exit_code, 3);
  const std::vector<std::string> lines = Lines(err);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  for (const char* w : {"Authentication", "KAFKA_SASL_PASSWORD"})
    EXPECT_NE(lines[0].find(w), std::string::npos) << w << " not in: " << lines[0];
  ExpectNoSecret(lines[0], "the error");
}

TEST_F(SecureTest, KafkaWrongCa) {
  ExpectRefused({{"KAFKA_SSL_CA_LOCATION", OtherCa()}},
                {"Kafka", "certificate verify failed", "KAFKA_SSL_CA_LOCATION"});
}

TEST_F(SecureTest, KafkaPlaintextClient) {
  ExpectRefused({{"KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"}},
                {"Kafka", "security.protocol", "KAFKA_SECURITY_PROTOCOL"});
}

TEST_F(SecureTest, KafkaWithoutClientCertificate) {
  ExpectRefused({{"KAFKA_SSL_CERTIFICATE_LOCATION", ""}, {"KAFKA_SSL_KEY_LOCATION", ""}}, {"Kafka"});
}

TEST_F(SecureTest, PostgresWithoutClientCertificate) {
  std::string url = settings_.at("DATABASE_URL");
  url = url.substr(0, url.find(" sslcert="));
  ExpectRefused({{"DATABASE_URL", url}}, {"PostgreSQL", "certificate"});
}

TEST_F(SecureTest, PostgresWrongPassword) {
  ExpectRefused({{"DB_PASSWORD", "not-the-password"}},
                {"PostgreSQL", "password authentication failed", "DB_PASSWORD"});
}

TEST_F(SecureTest, PostgresWrongCa) {
  std::string url = settings_.at("DATABASE_URL");
  const size_t at = url.find("sslrootcert=");
  url = url.substr(0, at) + "sslrootcert=" + OtherCa() + url.substr(url.find(' ', at));
  ExpectRefused({{"DATABASE_URL", url}}, {"PostgreSQL", "certificate verify failed", "sslrootcert"});
}

TEST_F(SecureTest, PostgresPlaintextClient) {
  std::string url = settings_.at("DATABASE_URL");
  url.replace(url.find("sslmode=verify-full"), std::string("sslmode=verify-full").size(), "sslmode=disable");
  ExpectRefused({{"DATABASE_URL", url}}, {"PostgreSQL", "no encryption"});
}

// The passwords' other sources: PostgreSQL takes a right one from --db-password-file or PGPASSWORD (the
// run then fails on Kafka, whose protocol is wrong on purpose); Kafka reads a wrong one from its file.
TEST_F(SecureTest, PasswordsFromFiles) {
  const std::string db_file = (dir_ / "db-password").string();
  std::ofstream(db_file) << settings_.at("DB_PASSWORD") << "\n";
  ExpectRefused(
      {{"DB_PASSWORD", ""}, {"DB_PASSWORD_FILE", db_file}, {"KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"}},
      {"Kafka", "KAFKA_SECURITY_PROTOCOL"});
  ExpectRefused({{"DB_PASSWORD", ""},
                 {"PGPASSWORD", settings_.at("DB_PASSWORD")},
                 {"KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"}},
                {"Kafka", "KAFKA_SECURITY_PROTOCOL"});
  const std::string kafka_file = (dir_ / "kafka-password").string();
  std::ofstream(kafka_file) << "not-the-password\n";
  ExpectRefused({{"KAFKA_SASL_PASSWORD", ""}, {"KAFKA_SASL_PASSWORD_FILE", kafka_file}},
                {"Kafka", "Authentication", "KAFKA_SASL_PASSWORD"});
}

TEST_F(SecureTest, PasswordInTheConnectionStringIsNeverPrinted) {
  // A password inside the URL, against a server that is not there.
  const auto [code, lines, seconds] =
      FailingRun({{"DATABASE_URL", "postgresql://u:url-pass-Zq9@127.0.0.1:1/db?connect_timeout=2"}});
  EXPECT_EQ(code, 3);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0].find("url-pass-Zq9"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("127.0.0.1:1"), std::string::npos) << lines[0];
}

TEST_F(SecureTest, BadKafkaPropertyNamesTheKey) {
  EXPECT_EQ(FailingRun({{"KAFKA_CONFIG_FILE", (dir_ / "kafka.properties").string()}}).code,
            2);  // the file does not exist
  std::ofstream(dir_ / "kafka.properties") << "# extra\nno.such.property=1\n";
  const Failed bad = FailingRun({{"KAFKA_CONFIG_FILE", (dir_ / "kafka.properties").string()}});
  EXPECT_EQ(bad.code, 2);
  ASSERT_EQ(bad.lines.size(), 1u) << ::testing::PrintToString(bad.lines);
  EXPECT_NE(bad.lines[0].find("no.such.property"), std::string::npos) << bad.lines[0];
}

// The broker authorizes by ACL. The restricted user may do all that clickstream needs but one thing at a
// time: each refusal ends the run with one line naming the ACL to grant, and nothing is written.
TEST_F(SecureTest, EachAuthorizationRefusalEndsTheRunWithTheAclToGrant) {
  struct Case {
    std::string name;
    // Denied on the case's resources (named after its input topic).
    rd_kafka_ResourceType_t type;
    rd_kafka_AclOperation_t operation;
    const char* grant;  // in the error line
  };
  const std::string base = UniqueTopic("acl");
  // Everything on this test's topics, groups and transactional ids, which all start with `base`.
  AddAcls(settings_, {{RD_KAFKA_RESOURCE_TOPIC, base, RD_KAFKA_RESOURCE_PATTERN_PREFIXED, RD_KAFKA_ACL_OPERATION_ALL,
                       RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
                      {RD_KAFKA_RESOURCE_GROUP, "g-" + base, RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
                       RD_KAFKA_ACL_OPERATION_ALL, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
                      {kTransactionalIdResource, "g-" + base, RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
                       RD_KAFKA_ACL_OPERATION_ALL, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW}});
  auto db = pg::Connection::Open(Database(settings_));
  ASSERT_TRUE(db.ok()) << db.status().message();
  const auto results = [&] {
    auto rows = db->Query("SELECT (SELECT count(*) FROM page_view_counts) + (SELECT count(*) FROM active_users) + "
                          "(SELECT count(*) FROM session_history) + (SELECT count(*) FROM late_events)");
    return rows.ok() ? std::stoll(std::string(rows->text(0, 0))) : -1;
  };
  for (const Case& c : {Case{"topic", RD_KAFKA_RESOURCE_TOPIC, RD_KAFKA_ACL_OPERATION_WRITE, "--operation Write --topic"},
                        Case{"group", RD_KAFKA_RESOURCE_GROUP, RD_KAFKA_ACL_OPERATION_READ, "--group"},
                        Case{"txn", kTransactionalIdResource, RD_KAFKA_ACL_OPERATION_WRITE,
                             "--transactional-id"}}) {
    SCOPED_TRACE(c.name);
    const std::string topic = base + "-" + c.name;
    ASSERT_TRUE(kafka::EnsureTopics(KafkaClient(settings_),
                                    {{topic, 2}, {topic + "_out", 2}, {topic + "_dlq", 1}}, 30000)
                    .ok());
    const CommandResult produced = RunCommand(EnvPrefix(ClientEnv(settings_)) + " " + ClickstreamBinary() +
                                              " produce --topic " + topic + " --num-events 200 --rate 2000 2>&1");
    ASSERT_EQ(produced.exit_code, 0) << produced.output;
    // The enriched topic, the group, or the transactional ids of the group.
    const std::string denied = c.type == RD_KAFKA_RESOURCE_TOPIC ? topic + "_out" : "g-" + topic;
    AddAcls(settings_, {{c.type, denied,
                         c.type == kTransactionalIdResource ? RD_KAFKA_RESOURCE_PATTERN_PREFIXED
                                                                      : RD_KAFKA_RESOURCE_PATTERN_LITERAL,
                         c.operation, RD_KAFKA_ACL_PERMISSION_TYPE_DENY}});
    // One database holds one pipeline's progress: a partition claimed by another test's run would point
    // to lake files of another lake directory.
    ResetTables(*db);
    const int64_t before = results();
    Env env = ClientEnv(settings_);
    env["KAFKA_SASL_USERNAME"] = settings_.at("KAFKA_ACL_USERNAME");
    env["KAFKA_SASL_PASSWORD"] = settings_.at("KAFKA_ACL_PASSWORD");
    env["HTTP_PORT"] = "0";
    env["LAKE_DIR"] = (dir_ / ("lake-" + c.name)).string();
    const std::string err = (dir_ / ("acl-" + c.name + ".err")).string();
    const int code = RunCommand("{ " + EnvPrefix(env) + " timeout --preserve-status 90 " + ClickstreamBinary() +
                                " run --status-interval 0 --topic " + topic + " --enriched-topic " + topic +
                                "_out --dlq-topic " + topic + "_dlq --group-id g-" + topic + " >/dev/null 2>" +
                                err + "; }")
                         .exit_code;
    // The process logs to stderr too: its error is the one line it ends with.
    std::vector<std::string> lines;
    for (const std::string& line : Lines(err)) {
      if (line.starts_with("clickstream run: ")) lines.push_back(line);
    }
    EXPECT_EQ(code, 5) << ::testing::PrintToString(Lines(err));
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(Lines(err));
    EXPECT_EQ(lines[0], Lines(err).back());
    EXPECT_NE(lines[0].find("authorization failed"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(c.grant), std::string::npos) << lines[0];
    EXPECT_EQ(results(), before);
    const CommandResult enriched = RunCommand(EnvPrefix(ClientEnv(settings_)) + " timeout 8 " + ClickstreamBinary() +
                                              " tail --from-beginning --topic " + topic + "_out 2>/dev/null");
    EXPECT_EQ(enriched.output, "") << "records reached " << topic << "_out";
  }
}

}  // namespace
}  // namespace clickstream::testing
