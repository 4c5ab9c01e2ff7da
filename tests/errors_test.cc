// The mistakes a new user makes with `clickstream run`, each tried for real: the process must stop
// with the exit code of docs/operations.md "Exit codes" and one line on stderr naming the cause and the fix.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kafka/topics.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

struct Outcome {
  int exit_code = -1;
  std::vector<std::string> lines;  // stderr
};

class ErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / UniqueTopic("errors");
    std::filesystem::create_directories(dir_);
  }

  // Runs `clickstream run` with the test services' settings, `env` (overriding them) and `flags`; stops it
  // with SIGTERM after `seconds`.
  Outcome Run(const std::string& env, const std::string& flags, int seconds = 120) {
    const std::string err = (dir_ / "stderr").string();
    Outcome o;
    o.exit_code =
        RunCommand("{ " + RunCommandLine(env, "timeout --preserve-status " + std::to_string(seconds), flags) +
                   " >/dev/null 2>" + err + "; }")
            .exit_code;
    std::ifstream in(err);
    for (std::string line; std::getline(in, line);) o.lines.push_back(line);
    return o;
  }

  // `clickstream run` with the test services' settings, then `env`, run by `wrapper` (may be empty).
  std::string RunCommandLine(const std::string& env, const std::string& wrapper,
                             const std::string& flags) const {
    const auto& s = Services();
    return "env KAFKA_BOOTSTRAP_SERVERS=" + s.bootstrap_servers + " DB_HOST=" + s.pg.host +
           " DB_PORT=" + std::to_string(s.pg.port) + " DB_USER=" + s.pg.user +
           " DB_PASSWORD=" + s.pg.password + " DB_NAME=" + s.pg.dbname +
           " HTTP_PORT=0 LAKE_DIR=" + (dir_ / "lake").string() + " " + env + " " + wrapper + " " +
           ClickstreamBinary() + " run --status-interval 0 " + flags;
  }

  // One database holds one pipeline: forgets what earlier tests' pipelines recorded (their lake batches).
  static void ForgetEarlierPipelines() {
    auto db = pg::Connection::Open(Services().pg);
    ASSERT_TRUE(db.ok());
    ResetTables(*db);
  }

  // Creates a fresh input topic named after `name`, with its enriched and dead-letter topics, produces
  // `events` events into it at `rate` per second, and sets `flags` to the `clickstream run` flags that
  // read it.
  static void ProduceInput(const std::string& name, int events, int rate, std::string* flags) {
    const std::string topic = UniqueTopic(name);
    ASSERT_TRUE(kafka::EnsureTopics(Services().bootstrap_servers,
                                    {{topic, 1}, {topic + "_out", 1}, {topic + "_dlq", 1}}, 30000)
                    .ok());
    ASSERT_EQ(RunCommand(ClickstreamBinary() + " produce --bootstrap-servers " +
                         Services().bootstrap_servers + " --topic " + topic + " --num-events " +
                         std::to_string(events) + " --rate " + std::to_string(rate))
                  .exit_code,
              0);
    *flags = "--topic " + topic + " --enriched-topic " + topic + "_out --dlq-topic " + topic +
             "_dlq --group-id g-" + topic;
  }

  // The process failed with `code` and printed exactly one line holding each of `words`.
  static void ExpectOneLine(const Outcome& o, int code, const std::vector<std::string>& words) {
    EXPECT_EQ(o.exit_code, code);
    ASSERT_EQ(o.lines.size(), 1u) << ::testing::PrintToString(o.lines);
    for (const auto& w : words)
      EXPECT_NE(o.lines[0].find(w), std::string::npos) << w << " not in: " << o.lines[0];
  }

  std::filesystem::path dir_;
};

TEST_F(ErrorsTest, UnknownFlag) {
  ExpectOneLine(Run("", "--bogus-flag"), 2, {"--bogus-flag", "clickstream run --help"});
}

TEST_F(ErrorsTest, WrongBrokerAddress) {
  ExpectOneLine(Run("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1", ""), 3,
                {"cannot reach Kafka at 127.0.0.1:1", "KAFKA_BOOTSTRAP_SERVERS", "--bootstrap-servers"});
}

TEST_F(ErrorsTest, WrongDatabasePassword) {
  ExpectOneLine(Run("DB_PASSWORD=not-the-password", ""), 3,
                {"PostgreSQL", "password authentication failed", "DB_PASSWORD"});
}

TEST_F(ErrorsTest, SchemaNotApplied) {
  auto db = pg::Connection::Open(Services().pg);
  ASSERT_TRUE(db.ok());
  auto exists = db->Query("SELECT 1 FROM pg_database WHERE datname = 'clickstream_no_schema'");
  ASSERT_TRUE(exists.ok());
  if (exists->rows() == 0) {
    ASSERT_TRUE(db->Exec("CREATE DATABASE clickstream_no_schema").ok());
  }
  ExpectOneLine(Run("DB_NAME=clickstream_no_schema", ""), 3,
                {"clickstream_no_schema", "no table page_view_counts", "sql/init-db.sql"});
}

TEST_F(ErrorsTest, LakeDirectoryNotWritable) {
  std::ofstream(dir_ / "a-file") << "x";
  ExpectOneLine(Run("", "--lake-dir " + (dir_ / "a-file" / "lake").string()), 4,
                {"lake", "Not a directory", "--lake-dir"});
}

TEST_F(ErrorsTest, HttpPortInUse) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  ExpectOneLine(Run("", "--http-port " + port), 2,
                {"cannot listen on 127.0.0.1:" + port, "HTTP_PORT", "0 to turn"});
  close(fd);
}

// `timeout`, shells and supervisors send a stop signal to the process and to its process group: the
// same request arriving twice must still stop gracefully, not as the "stop now" of a second Ctrl-C.
TEST_F(ErrorsTest, StopSignalSentTwiceAtOnceStopsGracefully) {
  ForgetEarlierPipelines();
  std::string input;
  ASSERT_NO_FATAL_FAILURE(ProduceInput("twice", 200000, 1000000, &input));
  // The second signal comes after the first one was handled, while the final commit runs.
  const CommandResult r = RunCommand(
      RunCommandLine("", "", input) +
      " >/dev/null 2>&1 & pid=$!; sleep 4; kill -TERM $pid; sleep 0.02; kill -TERM $pid; wait $pid; "
      "echo \"exit=$?\"");
  EXPECT_NE(r.output.find("exit=0"), std::string::npos) << r.output;
}

// A running pipeline waits a full lake disk out (ownership_test); stopped while it is still full, it
// ends with the lake's error.
TEST_F(ErrorsTest, LakeDiskFull) {
  // A 16 KiB file system: the first lake file does not fit.
  const std::filesystem::path mnt = dir_ / "tiny";
  std::filesystem::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=16k") != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  ForgetEarlierPipelines();
  std::string input;
  ASSERT_NO_FATAL_FAILURE(ProduceInput("full", 3000, 100000, &input));
  const Outcome o = Run("", input + " --lake-roll-age 1 --lake-dir " + (mnt / "lake").string(),
                        /*seconds=*/10);
  umount(mnt.c_str());
  EXPECT_EQ(o.exit_code, 4);
  // The run's own log lines (partitions claimed) come first; the error is the last line, and the only one.
  ASSERT_FALSE(o.lines.empty());
  int errors = 0;
  for (const auto& line : o.lines) errors += line.rfind("clickstream run:", 0) == 0;
  EXPECT_EQ(errors, 1) << ::testing::PrintToString(o.lines);
  EXPECT_NE(o.lines.back().find("No space left on device"), std::string::npos) << o.lines.back();
  EXPECT_NE(o.lines.back().find("free space"), std::string::npos) << o.lines.back();
}

}  // namespace
}  // namespace clickstream::testing
