// `clickstream run` through PostgreSQL faults, on the real broker and server: a server frozen for a
// minute then its postmaster killed, COMMITs whose acknowledgement is lost, a stop during an outage, and
// a permanent error. Each time the process must report the fault within a bounded time, and the
// outputs must equal an uninterrupted run's (pipeline_harness.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>

#include "common/mutex.h"
#include "pipeline_fixture.h"

namespace clickstream::testing {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The PostgreSQL postmaster of the test services.
pid_t Postmaster() {
  const CommandResult r = RunCommand("bash " + SourceDir() + "/scripts/services.sh pg-pid");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.exit_code == 0 ? std::stoi(r.output) : 0;
}

// The server's processes: the postmaster and its children (each backend is in a process group of its own).
std::vector<pid_t> ServerProcesses(pid_t postmaster) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "stat");
    pid_t pid = 0, ppid = 0;
    std::string comm;
    char state = 0;
    // Zombies are left aside: nothing may reap them here.
    if (in >> pid >> comm >> state >> ppid && state != 'Z' && (pid == postmaster || ppid == postmaster)) {
      out.push_back(pid);
    }
  }
  return out;
}

// Freezes the whole server, as a host that stopped would, until destroyed.
class FrozenServer {
 public:
  explicit FrozenServer(pid_t postmaster) : postmaster_(postmaster) {
    if (postmaster_ <= 0) return;  // Postmaster() failed; kill() would signal this process's group
    kill(postmaster_, SIGSTOP);    // first, so that it starts no new backend
    for (const pid_t pid : ServerProcesses(postmaster_)) kill(pid, SIGSTOP);
  }
  ~FrozenServer() {
    for (const pid_t pid : ServerProcesses(postmaster_)) kill(pid, SIGCONT);
  }

 private:
  pid_t postmaster_;
};

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, data, n);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// A TCP proxy between the pipeline and PostgreSQL. Once armed, it loses the acknowledgement of the next
// COMMIT: it forwards the client's COMMIT, closes the client's connection, and reads the server's reply
// (the server applied the commit) without relaying it.
class CommitAckDropper {
 public:
  explicit CommitAckDropper(int server_port) : server_port_(server_port) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(0);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(listen_fd_, 16);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~CommitAckDropper() {
    stopping_ = true;
    acceptor_.join();
    MutexLock lock(mu_);
    for (auto& t : relays_) t.join();
    close(listen_fd_);
  }

  int port() const { return port_; }
  void Arm() { armed_ = true; }
  // COMMITs the server applied and whose acknowledgement the client never got.
  int dropped() const { return dropped_; }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    return addr;
  }

  void Accept() {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      const int client = accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      MutexLock lock(mu_);
      relays_.emplace_back([this, client] { Relay(client); });
    }
  }

  void Relay(int client) {
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(server_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(client);
      close(server);
      return;
    }
    // A simple-protocol Query message: 'Q', its length (4 + 7), "COMMIT\0".
    static const std::string kCommit(
        "Q\0\0\0\x0b"
        "COMMIT\0",
        12);
    char buf[65536];
    bool open = true;
    while (open && !stopping_) {
      pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (poll(p, 2, 100) <= 0) continue;
      if (p[0].revents) {
        const ssize_t n = read(client, buf, sizeof buf);
        open = n > 0 && WriteAll(server, buf, static_cast<size_t>(n));
        if (open && armed_ &&
            std::string_view(buf, static_cast<size_t>(n)).find(kCommit) != std::string_view::npos) {
          armed_ = false;
          close(client);
          client = -1;
          DrainCommitReply(server);
          break;
        }
      }
      if (open && p[1].revents) {
        const ssize_t n = read(server, buf, sizeof buf);
        open = n > 0 && WriteAll(client, buf, static_cast<size_t>(n));
      }
    }
    if (client >= 0) close(client);
    close(server);
  }

  // Reads the server's answer to the COMMIT: its CommandComplete tag "COMMIT" says it was applied.
  void DrainCommitReply(int server) {
    std::string reply;
    char buf[4096];
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline && reply.find(std::string("COMMIT\0", 7)) == std::string::npos) {
      pollfd p{server, POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      const ssize_t n = read(server, buf, sizeof buf);
      if (n <= 0) return;
      reply.append(buf, static_cast<size_t>(n));
    }
    if (reply.find(std::string("COMMIT\0", 7)) != std::string::npos) ++dropped_;
  }

  int server_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> armed_{false}, stopping_{false};
  std::atomic<int> dropped_{0};
  std::thread acceptor_;
  Mutex mu_;
  std::vector<std::thread> relays_ GUARDED_BY(mu_);
};

class PostgresFaultsTest : public PipelineTest {
 protected:
  // Produces `stream` at `per_second` on a thread of its own, joined by JoinProducer() or at the end of
  // the test.
  void ProduceInBackground(std::vector<KeyedRecord> stream, size_t per_second) {
    producer_ = std::thread([this, stream = std::move(stream), per_second] {
      ProduceSlowly(input_, stream, per_second / 10, 100, &abandon_producer_);
    });
  }
  // Starts the pipeline on `stream`, produced meanwhile at `per_second`, and returns once it commits.
  std::unique_ptr<ChildProcess> StartOnLiveStream(const std::vector<KeyedRecord>& stream, size_t per_second) {
    ProduceInBackground(stream, per_second);
    auto pipeline = StartPipeline({"--lake-roll-age", "1"});
    WaitForCommitPast(0, 60);
    return pipeline;
  }
  void JoinProducer() {
    if (producer_.joinable()) producer_.join();
  }
  void TearDown() override {
    abandon_producer_ = true;  // after a failure
    JoinProducer();
  }

  // Waits until PostgreSQL holds more offsets than `than`: the pipeline commits.
  void WaitForCommitPast(int64_t than, int timeout_s) {
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (CommittedOffsets() <= than && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(CommittedOffsets(), than) << "no commit; see " << log_path();
  }

  // Occurrences of `text` in the pipeline's log.
  size_t LogCount(const std::string& text) {
    return Occurrences(ReadFile(log_path()), text);
  }
  // Waits up to `timeout_s` until `text` occurs `count` times in the log.
  bool WaitForLogCount(const std::string& text, size_t count, int timeout_s) {
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (LogCount(text) < count) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  std::string LastLogLine() {
    std::string log = ReadFile(log_path());
    while (!log.empty() && log.back() == '\n') log.pop_back();
    return log.substr(log.rfind('\n') + 1);
  }

  std::thread producer_;
  std::atomic<bool> abandon_producer_{false};
};

TEST_F(PostgresFaultsTest, AFrozenThenKilledServerIsNoticedInBoundedTimeAndSurvived) {
  const auto stream = KnownStream(100000, 4);
  auto pipeline = StartOnLiveStream(stream, 1000);
  const pid_t postmaster = Postmaster();
  {
    // The default --db-timeout-ms (15 s) bounds the wait for a frozen server's answer.
    FrozenServer frozen(postmaster);
    const auto start = Clock::now();
    ASSERT_TRUE(WaitForLog("PostgreSQL commit failed", 40)) << "see " << log_path();
    const double noticed = SecondsSince(start);
    std::printf("frozen server noticed after %.1f s\n", noticed);
    EXPECT_LT(noticed, 20);
    std::this_thread::sleep_until(start + std::chrono::seconds(60));
    EXPECT_GE(LogCount("PostgreSQL still unavailable after"), 1u) << "the outage is reported while it lasts";
  }
  ASSERT_TRUE(WaitForLogCount("PostgreSQL reachable again", 1, 60)) << "see " << log_path();
  WaitForCommitPast(CommittedOffsets(), 60);

  // The postmaster killed: its children exit with it, and the server restarts with crash recovery.
  ASSERT_GT(postmaster, 0);
  ASSERT_EQ(kill(postmaster, SIGKILL), 0);
  const auto killed = Clock::now();
  while (!ServerProcesses(postmaster).empty() && SecondsSince(killed) < 30) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(ServicesScript("pg-start"), 0);
  ASSERT_TRUE(WaitForLogCount("PostgreSQL reachable again", 2, 60)) << "see " << log_path();
  std::printf("killed server: pipeline committing again %.1f s after the kill\n", SecondsSince(killed));

  JoinProducer();
  Reconnect();
  WaitDrained(stream.size(), 180);
  StopGracefully(*pipeline);
  Verify(stream.size());
}

TEST_F(PostgresFaultsTest, ACommitWhoseAcknowledgementIsLostIsNotDoubled) {
  CommitAckDropper proxy(pg_.port);
  pg_.port = proxy.port();  // the pipeline's connections go through the proxy; the test's own do not
  const auto stream = KnownStream(40000, 5);
  ProduceInBackground(stream, 2000);
  auto pipeline = StartPipeline({"--lake-roll-age", "1"});
  for (int i = 1; i <= 3; ++i) {
    WaitForCommitPast(CommittedOffsets(), 60);
    proxy.Arm();
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (proxy.dropped() < i && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(proxy.dropped(), i) << "no COMMIT met the armed proxy; see " << log_path();
  }
  ASSERT_TRUE(WaitForLogCount("PostgreSQL reachable again", 3, 30)) << "see " << log_path();
  EXPECT_EQ(LogCount("PostgreSQL commit failed"), 3u);
  JoinProducer();
  WaitDrained(stream.size(), 120);
  StopGracefully(*pipeline);
  Verify(stream.size());
}

TEST_F(PostgresFaultsTest, StopDuringAnOutageEndsInBoundedTimeAndLosesNothing) {
  const auto stream = KnownStream(40000, 6);
  auto pipeline = StartOnLiveStream(stream, 2000);
  const pid_t postmaster = Postmaster();
  {
    FrozenServer frozen(postmaster);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // a commit waits for the frozen server
    const auto term = Clock::now();
    pipeline->Signal(SIGTERM);
    const int code = pipeline->Wait(60);
    const double took = SecondsSince(term);
    std::printf("SIGTERM during an outage: exited after %.1f s\n", took);
    EXPECT_EQ(code, 3) << "see " << log_path();
    EXPECT_LT(took, 15);
    const std::string last = LastLogLine();
    for (const char* word : {"clickstream run: stopped before the last results were committed", "partition ",
                             "a restart re-reads them"}) {
      EXPECT_NE(last.find(word), std::string::npos) << word << " not in: " << last;
    }
  }
  pipeline = StartPipeline({"--lake-roll-age", "1"});
  JoinProducer();
  WaitDrained(stream.size(), 180);
  StopGracefully(*pipeline);
  Verify(stream.size());
}

TEST_F(PostgresFaultsTest, APermanentErrorStopsTheProcessWithNothingPartial) {
  UseDatabase("clickstream_refused");
  const auto stream = KnownStream(20000, 7);
  auto pipeline = StartOnLiveStream(stream, 2000);
  // A constraint every new count violates, as a changed schema would.
  ASSERT_TRUE(
      db_->Exec("ALTER TABLE page_view_counts ADD CONSTRAINT no_more_views CHECK (view_count < 0) NOT VALID")
          .ok());
  EXPECT_EQ(pipeline->Wait(60), 5) << "see " << log_path();
  const std::string last = LastLogLine();
  for (const char* word : {"clickstream run: PostgreSQL refused the results", "SQLSTATE 23514",
                           "no_more_views", "rolled back", "constraint"}) {
    EXPECT_NE(last.find(word), std::string::npos) << word << " not in: " << last;
  }
  EXPECT_EQ(LogCount("PostgreSQL commit failed"), 0u) << "a permanent error is not retried";
  // Fixed: a restart resumes from the last commit, and nothing of the refused one was written.
  ASSERT_TRUE(db_->Exec("ALTER TABLE page_view_counts DROP CONSTRAINT no_more_views").ok());
  pipeline = StartPipeline({"--lake-roll-age", "1"});
  JoinProducer();
  WaitDrained(stream.size(), 180);
  StopGracefully(*pipeline);
  Verify(stream.size());
}

}  // namespace
}  // namespace clickstream::testing
