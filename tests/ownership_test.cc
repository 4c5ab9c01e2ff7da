// Partition ownership, pruning and backpressure against the real broker and server: a partition claimed
// by another process is dropped alone; lake_batches and the per-partition windows are pruned and old lake
// files may go; a full lake disk and a broker down for a minute are waited out. Each run's outputs must
// equal what the engine computes offline (pipeline_fixture.h).
#include <httplib.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>

#include "lake/lake_batch.h"
#include "pipeline_fixture.h"

namespace clickstream::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class OwnershipTest : public PipelineTest {
 protected:
  int64_t Count(const std::string& sql) {
    auto res = db_->Query(sql);
    EXPECT_TRUE(res.ok()) << res.status().message();
    return res.ok() && res->rows() == 1 ? std::stoll(std::string(res->text(0, 0))) : -1;
  }

  std::string Log() { return ReadFile(log_path()); }

  // Waits up to `timeout_s` for `done()`.
  template <typename Done>
  bool WaitUntil(int timeout_s, Done done) {
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (!done()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  // Drains `produced` records, waits for the lake's tail and stops the pipeline gracefully.
  void DrainAndStop(ChildProcess& pipeline, size_t produced) {
    WaitDrained(produced, 180);
    WaitForCaughtUp(0);
    StopGracefully(pipeline);
  }
};

TEST_F(OwnershipTest, AFencedPartitionIsDroppedAloneWhileTheOthersKeepCommitting) {
  const auto stream = KnownStream(40000, 4);
  std::jthread producer([&] { ProduceSlowly(input_, stream, 400, 100); });
  auto pipeline = StartPipeline({"--lake-roll-age", "1", "--session-timeout-ms", "6000"});
  ASSERT_TRUE(WaitUntil(
      60, [&] { return Count("SELECT count(*) FROM partition_progress WHERE next_offset > 0") == 4; }))
      << "see " << log_path();
  // What a new owner does: claim partition 2.
  ASSERT_TRUE(db_->Exec("UPDATE partition_progress SET fence = fence + 1 WHERE kafka_partition = 2").ok());
  ASSERT_TRUE(WaitUntil(30, [&] { return Log().find("not the current fence") != std::string::npos; }))
      << "see " << log_path();
  const std::string others = "SELECT sum(next_offset) FROM partition_progress WHERE kafka_partition <> 2";
  const int64_t before = Count(others);
  EXPECT_TRUE(WaitUntil(10, [&] { return Count(others) > before; }))
      << "the other partitions stopped committing";
  producer.join();
  DrainAndStop(*pipeline, stream.size());
  Verify(stream.size());

  // Refused once, for partition 2 alone; claimed again (still assigned) and nothing else re-claimed.
  const std::string log = Log();
  EXPECT_EQ(std::regex_search(log, std::regex("partition [013] \\(fence")), false) << log_path();
  EXPECT_NE(log.find("partition 2 (fence 1): not the current fence"), std::string::npos) << log_path();
  EXPECT_NE(log.find("partition 2 claimed (fence 3)"), std::string::npos) << log_path();
  EXPECT_EQ(Claims(), 4 + 1 + 1);
}

// Two processes of one group; one is stopped for longer than the session timeout, so the other takes
// over its partitions, then continues as a zombie that has not yet noticed. It must not take them back.
TEST_F(OwnershipTest, AZombieDoesNotTakeItsPartitionsBack) {
  const auto stream = KnownStream(40000, 8);
  std::jthread producer([&] { ProduceSlowly(input_, stream, 400, 100); });
  const std::vector<std::string> flags = {"--lake-roll-age", "1", "--session-timeout-ms", "6000"};
  auto zombie = StartPipeline(flags);
  ASSERT_TRUE(WaitUntil(60, [&] { return Claims() >= 4; })) << "see " << log_path();
  const std::string other_log = lake_.string() + ".other.log";
  auto other = StartPipeline(flags, other_log);
  ASSERT_TRUE(WaitUntil(60, [&] { return ClaimLines(ReadFile(other_log)) >= 2; })) << "see " << other_log;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  zombie->Signal(SIGSTOP);
  // Long enough for the group to give the other process every partition (it may have to wait for a
  // commit the zombie was making when stopped).
  std::this_thread::sleep_for(std::chrono::seconds(12));
  zombie->Signal(SIGCONT);
  producer.join();
  WaitDrained(stream.size(), 180);
  // Back, the zombie joins the group as a new member and gets a share again, through claims of its own
  // (fence 3): 4 claims before, 2 now; the other made 2 when it joined and 2 when it took over. Stopped
  // before that, the partitions the zombie was to get would be nobody's, their lake buffers left for a
  // next owner to re-read (nothing lost, but not in the lake yet).
  WaitForCaughtUp(2 + 2, other_log);
  WaitForCaughtUp(4 + 2);
  // Both at once: neither takes over the other's partitions on the way out.
  other->Signal(SIGTERM);
  zombie->Signal(SIGTERM);
  EXPECT_EQ(other->Wait(60), 0) << "see " << other_log;
  EXPECT_EQ(zombie->Wait(60), 0) << "see " << log_path();
  Verify(stream.size());
  // The process that took over was never refused a commit nor lost a producer to the zombie.
  const std::string log = ReadFile(other_log);
  EXPECT_EQ(log.find("not the current fence"), std::string::npos) << other_log;
  EXPECT_EQ(log.find("recovering partition"), std::string::npos) << other_log;
  EXPECT_EQ(log.find("kafka: commit"), std::string::npos) << other_log;
}

// Static membership: a second process started with the first one's --instance-id takes the first one's
// place in the group, and Kafka fences the first. It must stop at once, with exit code 6 and one line
// naming the setting to fix, instead of running on without partitions; the second drains exactly.
TEST_F(OwnershipTest, ASecondProcessWithTheSameInstanceIdEndsTheFirst) {
  const auto stream = KnownStream(20000, 9);
  std::jthread producer([&] { ProduceSlowly(input_, stream, 400, 100); });
  const std::vector<std::string> flags = {"--instance-id", "twin", "--session-timeout-ms", "6000"};
  auto first = StartPipeline(flags);
  ASSERT_TRUE(WaitUntil(60, [&] { return Claims() >= 4; })) << "see " << log_path();
  const std::string second_log = lake_.string() + ".second.log";
  auto second = StartPipeline(flags, second_log);
  const auto started = Clock::now();
  EXPECT_EQ(first->Wait(60), 6) << "see " << log_path();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30)) << "see " << log_path();
  const std::string log = Log();
  EXPECT_NE(log.find("clickstream run: kafka: another process joined group g-" + input_ +
                     " with this one's --instance-id twin"),
            std::string::npos)
      << log_path();
  producer.join();
  WaitDrained(stream.size(), 180);
  WaitForCaughtUp(0, second_log);
  StopGracefully(*second);
  Verify(stream.size());
}

// Visible lake files of `lake` that no batch in lake_batches names.
std::vector<fs::path> OldLakeFiles(pg::Connection& db, const fs::path& lake) {
  std::set<std::string> recorded;
  for (const std::string& text : QueryRows(db, "SELECT batch FROM lake_batches")) {
    auto batch = Batch::Parse(text);
    EXPECT_TRUE(batch.ok()) << text;
    for (const std::string& file : batch->files) recorded.insert(VisiblePath(*ParseHiddenPath(file)));
  }
  std::vector<fs::path> old;
  for (const auto& entry : fs::recursive_directory_iterator(lake)) {
    const std::string relative = fs::relative(entry.path(), lake).string();
    if (entry.is_regular_file() && !recorded.contains(relative)) old.push_back(relative);
  }
  return old;
}

TEST_F(OwnershipTest, PublishedBatchesAndFinalPartialsArePrunedAndOldLakeFilesMayGo) {
  const auto stream = KnownStream(60000, 5);
  const std::vector<KeyedRecord> first(stream.begin(), stream.begin() + 30000),
      second(stream.begin() + 30000, stream.end());
  const std::vector<std::string> flags = {"--lake-roll-bytes", "100000"};
  auto pipeline = StartPipeline(flags);
  ProduceSlowly(input_, first, 500, 50);
  DrainAndStop(*pipeline, first.size());

  // Several seals (how many depends on how fast commits go), but only the last commit's batches are
  // left to publish after a crash.
  const std::vector<fs::path> old = OldLakeFiles(*db_, lake_);
  EXPECT_GE(old.size(), 4u);
  EXPECT_LE(Count("SELECT count(*) FROM lake_batches"), 4);
  // Every window that ends before every partition's watermark has no per-partition rows left.
  for (const char* table : {"page_view_counts_by_partition", "active_users_by_partition"}) {
    EXPECT_EQ(Count(std::string("SELECT count(*) FROM ") + table +
                    " WHERE window_end <= (SELECT min(watermark) FROM partition_progress)"),
              0)
        << table;
  }
  EXPECT_GT(Count("SELECT count(*) FROM page_view_counts"),
            2 * Count("SELECT count(*) FROM page_view_counts_by_partition"));

  // Retention removes the old files; the next run claims and goes on.
  const fs::path kept = lake_.string() + ".old";
  for (const fs::path& file : old) {
    fs::create_directories((kept / file).parent_path());
    fs::rename(lake_ / file, kept / file);
  }
  pipeline = StartPipeline(flags);
  ProduceSlowly(input_, second, 500, 50);
  DrainAndStop(*pipeline, stream.size());
  EXPECT_EQ(Log().find("recovering partition"), std::string::npos) << log_path();
  for (const fs::path& file : old) fs::rename(kept / file, lake_ / file);
  Verify(stream.size());
}

// Resident memory of a process, in MiB.
int64_t RssMib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6)) / 1024;
  }
  return -1;
}

TEST_F(OwnershipTest, AFullLakeDiskIsReportedAndWaitedOut) {
  fs::create_directories(lake_);
  if (::mount("tmpfs", lake_.c_str(), "tmpfs", 0, "size=16m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs at " << lake_ << " (" << std::strerror(errno)
                 << "): the test needs root or CAP_SYS_ADMIN";
  }
  const fs::path filler = lake_ / "filler";
  RunCommand("dd if=/dev/zero of=" + filler.string() + " bs=64k");  // until the disk is full
  const int port = FreePort();
  httplib::Client http("127.0.0.1", port);
  const auto get = [&](const char* path) {
    auto res = http.Get(path);
    return res ? std::make_pair(res->status, res->body) : std::make_pair(-1, std::string());
  };

  const auto stream = KnownStream(40000, 6);
  std::jthread producer([&] { ProduceSlowly(input_, stream, 400, 100); });
  auto pipeline = StartPipeline(
      {"--lake-roll-bytes", "262144", "--lake-roll-age", "1", "--http-port", std::to_string(port)});
  // Reported: log, /metrics, /healthz.
  const std::regex lake_errors("clickstream_sink_errors_total\\{sink=\"lake\"\\} [1-9]");
  EXPECT_TRUE(WaitUntil(60, [&] { return std::regex_search(get("/metrics").second, lake_errors); }))
      << "see " << log_path();
  EXPECT_TRUE(WaitUntil(10, [&] {
    const auto health = get("/healthz");
    return health.first == 503 && health.second.find("No space left on device") != std::string::npos;
  })) << get("/healthz").second;
  // Backpressure: partitions stop once their next buffer is full; memory stays put while input waits.
  EXPECT_TRUE(
      WaitUntil(60, [&] { return Log().find("paused: its lake buffer is full") != std::string::npos; }))
      << "see " << log_path();
  const int64_t rss_paused = RssMib(pipeline->pid());
  producer.join();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const int64_t rss_later = RssMib(pipeline->pid());
  std::printf("ownership_test: RSS with the lake disk full: %lld MiB when paused, %lld MiB after all input\n",
              static_cast<long long>(rss_paused), static_cast<long long>(rss_later));
  EXPECT_LT(rss_later, rss_paused + 64);
  const std::string log = Log();
  EXPECT_NE(log.find("No space left on device (free space or set --lake-dir) (retrying in"),
            std::string::npos);
  // Retries back off: a few a minute per partition, not a spin.
  EXPECT_LT(std::count(log.begin(), log.end(), '\n'), 2000);

  fs::remove(filler);
  DrainAndStop(*pipeline, stream.size());
  EXPECT_EQ(get("/healthz").first, -1);  // stopped
  Verify(stream.size());
  ::umount(lake_.c_str());
}

TEST_F(OwnershipTest, ABrokerDownForAMinuteIsWaitedOut) {
  const auto stream = KnownStream(40000, 7);
  const std::vector<KeyedRecord> before(stream.begin(), stream.begin() + 20000),
      after(stream.begin() + 20000, stream.end());
  auto pipeline = StartPipeline({"--lake-roll-age", "1"});
  ProduceSlowly(input_, before, 400, 100);
  ASSERT_EQ(ServicesScript("kafka-stop"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(60));
  ASSERT_EQ(ServicesScript("kafka-start"), 0);
  ProduceSlowly(input_, after, 400, 100);
  DrainAndStop(*pipeline, stream.size());
  Verify(stream.size());
}

}  // namespace
}  // namespace clickstream::testing
