// Who may use the HTTP endpoints of `clickstream run` and what one client can cost the others: listening
// beyond loopback without credentials is refused, a token is required once set, a client that stalls
// mid-request does not delay /healthz, and the dashboard's session query uses its index.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kafka/topics.h"
#include "observability/dashboard_data.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

using Clock = std::chrono::steady_clock;

class HttpAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = UniqueTopic("http_in");
    dir_ = std::filesystem::path(::testing::TempDir()) / UniqueTopic("http");
    std::filesystem::create_directories(dir_);
    port_ = FreePort();
    auto db = pg::Connection::Open(Services().pg);
    ASSERT_TRUE(db.ok()) << db.status().message();
    ResetTables(*db);
  }

  std::vector<std::string> Env() const {
    const auto& s = Services();
    return {"KAFKA_BOOTSTRAP_SERVERS=" + s.bootstrap_servers,
            "DB_HOST=" + s.pg.host,
            "DB_PORT=" + std::to_string(s.pg.port),
            "DB_USER=" + s.pg.user,
            "DB_PASSWORD=" + s.pg.password,
            "DB_NAME=" + s.pg.dbname,
            "HTTP_PORT=" + std::to_string(port_)};
  }

  std::unique_ptr<ChildProcess> StartPipeline(const std::vector<std::string>& http_flags) {
    std::vector<std::string> argv{ClickstreamBinary(), "run",
                                  "--topic",           input_,
                                  "--enriched-topic",  input_ + "_enriched",
                                  "--dlq-topic",       input_ + "_dlq",
                                  "--group-id",        "g-" + input_,
                                  "--lake-dir",        (dir_ / "lake").string()};
    argv.insert(argv.end(), http_flags.begin(), http_flags.end());
    return std::make_unique<ChildProcess>(argv, Env(), log_path());
  }

  std::string log_path() const { return (dir_ / "run.log").string(); }

  std::string input_;
  std::filesystem::path dir_;
  int port_ = 0;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Also a name that merely starts like a loopback address: what counts is where it resolves (here nowhere).
TEST_F(HttpAccessTest, BeyondLoopbackWithoutCredentialsExitsWithUsage) {
  for (const char* address : {"0.0.0.0", "127.lan.example"}) {
    std::filesystem::remove(log_path());  // the log is appended to
    auto run = StartPipeline({"--http-address", address});
    EXPECT_EQ(run->Wait(30), 2) << address;
    const std::string log = ReadAll(log_path());
    EXPECT_NE(log.find("--http-address " + std::string(address) + " listens beyond loopback"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("--http-token-file"), std::string::npos) << log;
    EXPECT_NE(log.find("--http-basic-auth-file"), std::string::npos) << log;
    EXPECT_NE(log.find("--http-allow-unauthenticated"), std::string::npos) << log;
    EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  }
}

// A connection that sent half a request and then waits.
int HalfRequest(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const char half[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz";
  EXPECT_EQ(::send(fd, half, sizeof half - 1, 0), static_cast<ssize_t>(sizeof half - 1));
  return fd;
}

// Permission bits of a path.
unsigned Mode(const std::filesystem::path& path) {
  return static_cast<unsigned>(std::filesystem::status(path).permissions()) & 0777;
}

TEST_F(HttpAccessTest, CredentialsRequiredLimitsAndStalledClients) {
  ASSERT_TRUE(kafka::EnsureTopics(Services().bootstrap_servers,
                                  {{input_, 2}, {input_ + "_enriched", 2}, {input_ + "_dlq", 1}}, 30000)
                  .ok());
  const std::string token = "tok-" + input_;
  std::ofstream(dir_ / "token") << token << "\n";
  std::ofstream(dir_ / "users") << "# operators\nalice:wonder land\n";
  auto run = StartPipeline({"--http-address", "0.0.0.0", "--http-token-file", (dir_ / "token").string(),
                            "--http-basic-auth-file", (dir_ / "users").string(), "--lake-dir-mode", "0700"});
  httplib::Client anonymous("127.0.0.1", port_);
  httplib::Client client("127.0.0.1", port_);
  client.set_bearer_token_auth(token.c_str());
  for (auto* c : {&anonymous, &client}) {
    c->set_connection_timeout(2, 0);
    c->set_read_timeout(10, 0);
  }
  // Ready.
  int health = -1;
  for (const auto deadline = Clock::now() + std::chrono::seconds(60);
       Clock::now() < deadline && health != 200;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto res = client.Get("/healthz");
    health = res ? res->status : -1;
  }
  ASSERT_EQ(health, 200) << "see " << log_path();

  for (const char* path : {"/", "/metrics", "/healthz", "/api/summary", "/nope"}) {
    auto res = anonymous.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(res->body.find("clickstream_"), std::string::npos) << path;
  }
  EXPECT_EQ(anonymous.Get("/metrics")->get_header_value("WWW-Authenticate"), "Basic realm=\"clickstream\"");
  httplib::Client user("127.0.0.1", port_);
  user.set_basic_auth("alice", "wonder land");
  EXPECT_EQ(user.Get("/api/summary")->status, 200);
  user.set_basic_auth("alice", "wonderland");
  EXPECT_EQ(user.Get("/api/summary")->status, 401);
  httplib::Client wrong("127.0.0.1", port_);
  wrong.set_bearer_token_auth((token + "x").c_str());
  EXPECT_EQ(wrong.Get("/metrics")->status, 401);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("clickstream_events_consumed_total"), std::string::npos);

  // Size limits: many headers, a body.
  httplib::Headers many;
  for (int i = 0; i < 100; ++i) many.emplace("X-Padding-" + std::to_string(i), std::string(200, 'a'));
  auto big = client.Get("/metrics", many);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 431);
  auto body = client.Post("/metrics", std::string(100000, 'a'), "text/plain");
  EXPECT_TRUE(!body || body->status == 413) << (body ? body->status : -1);

  // Clients that stall mid-request hold a worker each; /healthz still answers at once.
  const int stalled[] = {HalfRequest(port_), HalfRequest(port_)};
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto started = Clock::now();
  auto res = client.Get("/healthz");
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_LT(seconds, 1.0);
  std::printf("/healthz beside two stalled clients: %.3f s\n", seconds);
  for (const int fd : stalled) ::close(fd);

  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(60), 0) << "see " << log_path();
  EXPECT_EQ(Mode(dir_ / "lake"), 0700u) << "--lake-dir-mode";
}

// The dashboard's recent-sessions query on 200k users: an index scan, not a sort of the table.
TEST(HttpSummaryQuery, RecentSessionsUseTheIndex) {
  auto db = pg::Connection::Open(Services().pg);
  ASSERT_TRUE(db.ok()) << db.status().message();
  ASSERT_TRUE(db->Exec("BEGIN").ok());
  ASSERT_TRUE(db->Exec("INSERT INTO session_history (user_id, session_start_time, session_end_time, "
                       "session_duration_seconds, event_count, page_view_count) SELECT 'load_' || i, "
                       "now() - i * interval '1 s', now() - i * interval '1 s' + interval '30 s', 30, 1, 1 "
                       "FROM generate_series(1, 200000) i ON CONFLICT DO NOTHING")
                  .ok());
  ASSERT_TRUE(db->Exec("ANALYZE session_history").ok());
  std::string sql = kRecentSessionsSql;
  sql.replace(sql.find("$1"), 2, "12");
  auto plan = db->Query("EXPLAIN " + sql);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  std::string text;
  for (int i = 0; i < plan->rows(); ++i) text += std::string(plan->text(i, 0)) + "\n";
  EXPECT_NE(text.find("session_history_by_start"), std::string::npos) << text;
  EXPECT_EQ(text.find("Sort"), std::string::npos) << text;
  const auto started = Clock::now();
  auto rows = db->Query(kRecentSessionsSql, {"12"});
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows(), 12);
  std::printf("recent sessions of 200k: %.2f ms\n%s", ms, text.c_str());
  EXPECT_LT(ms, 100);
  ASSERT_TRUE(db->Exec("ROLLBACK").ok());
}

}  // namespace
}  // namespace clickstream::testing
