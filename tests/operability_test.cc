// `clickstream run` as an operator sees it, on the real broker and server: /metrics against what was
// produced, /healthz through PostgreSQL and Kafka outages, and the dashboard page in headless Chromium
// (tests/dashboard/screenshot.mjs), whose screenshot lands in the build directory.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include "common/wall_clock.h"
#include "engine/parser.h"
#include "format/event_json.h"
#include "kafka/client_config.h"
#include "kafka/topics.h"
#include "test_services.h"

namespace clickstream::testing {
namespace {

using Clock = std::chrono::steady_clock;

using Record = KeyedRecord;

// Valid events of 50 users (every 40th five minutes old, so late), 30 records keyed by another
// user, and invalid records of four kinds.
std::vector<Record> Stream(size_t valid) {
  std::mt19937_64 rng(11);
  EventTime clock = WallClockNow() - Duration::Minutes(20);
  const char* pages[] = {"https://example.com/home", "https://example.com/products", "https://example.com/cart"};
  std::vector<Record> out;
  for (size_t i = 0; i < valid; ++i) {
    clock = clock + Duration::Micros(200'000);
    Event e;
    e.user_id = "user_" + std::to_string(rng() % 50);
    e.page_url = pages[rng() % std::size(pages)];
    e.event_type = i % 3 ? EventType::kPageView : EventType::kClick;
    e.event_time = i % 40 == 39 ? clock - Duration::Minutes(5) : clock;
    std::string value;
    AppendEventJson(e, &value);
    out.push_back({i % 100 == 7 ? "someone_else" : e.user_id, value});
  }
  const char* invalid[] = {"not json", "[1,2]", R"({"user_id":"u","page_url":"p","event_type":"click"})",
                           R"({"event_time":"2026-03-01T10:00:00Z","user_id":"u","page_url":"p","event_type":"scroll"})"};
  for (size_t i = 0; i < 40; ++i) out.push_back({"user_1", invalid[i % std::size(invalid)]});
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

// End offset of each partition of `topic`.
std::map<int32_t, int64_t> EndOffsets(const std::string& topic, int partitions) {
  auto conf = kafka::MakeConf({{"bootstrap.servers", Services().bootstrap_servers}});
  std::string err;
  std::unique_ptr<RdKafka::Producer> client(RdKafka::Producer::create(conf->get(), err));
  std::map<int32_t, int64_t> out;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    EXPECT_EQ(client->query_watermark_offsets(topic, p, &low, &high, 10000), RdKafka::ERR_NO_ERROR);
    out[p] = high;
  }
  return out;
}

class OperabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = UniqueTopic("ops_in");
    ASSERT_TRUE(kafka::EnsureTopics(Services().bootstrap_servers,
                                    {{input_, 4}, {input_ + "_enriched", 4}, {input_ + "_dlq", 1}}, 30000)
                    .ok());
    lake_ = std::filesystem::path(::testing::TempDir()) / UniqueTopic("ops_lake");
    auto db = pg::Connection::Open(Services().pg);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::make_unique<pg::Connection>(std::move(*db));
    ResetTables(*db_);
    port_ = FreePort();
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    http_->set_connection_timeout(2, 0);
    http_->set_read_timeout(10, 0);
  }

  std::vector<std::string> Env() const {
    const auto& s = Services();
    return {"KAFKA_BOOTSTRAP_SERVERS=" + s.bootstrap_servers, "DB_HOST=" + s.pg.host,
            "DB_PORT=" + std::to_string(s.pg.port), "DB_USER=" + s.pg.user, "DB_PASSWORD=" + s.pg.password,
            "DB_NAME=" + s.pg.dbname, "HTTP_PORT=" + std::to_string(port_)};
  }

  std::unique_ptr<ChildProcess> StartPipeline(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {
        ClickstreamBinary(),  "run",          "--topic",           input_,       "--enriched-topic",
        input_ + "_enriched", "--dlq-topic",  input_ + "_dlq",     "--group-id", "g-" + input_,
        "--lake-dir",         lake_.string(), "--status-interval", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(argv, Env(), log_path());
  }

  std::string log_path() const { return lake_.string() + ".log"; }

  // GET `path`: status and body; status -1 when the server does not answer.
  std::pair<int, std::string> Get(const std::string& path) {
    auto res = http_->Get(path.c_str());
    if (!res) return {-1, ""};
    return {res->status, res->body};
  }

  // Polls GET `path` until `done(status, body)` or `timeout_s`; returns the last answer.
  template <typename Done>
  std::pair<int, std::string> WaitFor(const std::string& path, int timeout_s, Done done) {
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    std::pair<int, std::string> last;
    while (Clock::now() < deadline) {
      last = Get(path);
      if (done(last.first, last.second)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return last;
  }

  std::string input_;
  std::filesystem::path lake_;
  std::unique_ptr<pg::Connection> db_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(OperabilityTest, MetricsMatchWhatWasProducedAndHealthFollowsOutages) {
  const auto stream = Stream(6000);
  ProduceAll(input_, stream);
  // What the metrics must say: rejections by reason from the parser, misrouted records by key.
  std::map<std::string, int64_t> rejected;
  int64_t valid = 0, misrouted = 0;
  EventParser parser;
  for (const auto& r : stream) {
    ParseOutcome o = parser.Parse(r.value);
    if (!o.ok()) {
      ++rejected[std::string(RejectReasonName(o.rejection().reason))];
      continue;
    }
    ++valid;
    misrouted += r.key != o.event().user_id;
  }
  ASSERT_GT(misrouted, 0);
  const auto ends = EndOffsets(input_, 4);
  int64_t total = 0;
  for (const auto& [p, end] : ends) total += end;
  ASSERT_EQ(total, static_cast<int64_t>(stream.size()));

  // A retention far longer than the stream's event time: it deletes nothing.
  auto pipeline = StartPipeline({"--results-retention", "30d"});
  // Drained: every partition's committed offset is its end offset, and no lag is left.
  std::map<std::string, double> m;
  const auto drained = WaitFor("/metrics", 120, [&](int status, const std::string& body) {
    if (status != 200) return false;
    m = ParseMetrics(body);
    for (const auto& [p, end] : ends) {
      const std::string label = "{partition=\"" + std::to_string(p) + "\",thread=\"0\"}";
      if (m["clickstream_committed_offset" + label] != end || m["clickstream_consumer_lag_records" + label] != 0) {
        return false;
      }
    }
    return true;
  });
  ASSERT_EQ(drained.first, 200) << "see " << log_path();
  for (const auto& [p, end] : ends) {
    EXPECT_EQ(m["clickstream_committed_offset{partition=\"" + std::to_string(p) + "\",thread=\"0\"}"], end)
        << "see " << log_path();
  }
  EXPECT_EQ(m["clickstream_events_consumed_total"], static_cast<double>(stream.size()));
  double rejected_total = 0;
  for (size_t i = 0; i < kRejectReasonCount; ++i) {
    const std::string reason(RejectReasonName(static_cast<RejectReason>(i)));
    const double n = m["clickstream_events_rejected_total{reason=\"" + reason + "\"}"];
    EXPECT_EQ(n, rejected.count(reason) ? rejected[reason] : 0) << reason;
    rejected_total += n;
  }
  EXPECT_EQ(m["clickstream_events_accepted_total"] + m["clickstream_events_late_total"], valid);
  EXPECT_EQ(m["clickstream_events_accepted_total"] + m["clickstream_events_late_total"] + rejected_total,
            static_cast<double>(stream.size()));
  EXPECT_GT(m["clickstream_events_late_total"], 0);
  auto late_rows = db_->Query("SELECT count(*) FROM late_events");
  ASSERT_TRUE(late_rows.ok());
  EXPECT_EQ(m["clickstream_events_late_total"], std::stod(std::string(late_rows->text(0, 0))));
  EXPECT_EQ(m["clickstream_events_misrouted_total"], misrouted);
  EXPECT_EQ(m["clickstream_partitions_assigned"], 4);
  EXPECT_EQ(m["clickstream_threads"], 1);
  EXPECT_EQ(m["clickstream_thread_partitions_assigned{thread=\"0\"}"], 4);
  EXPECT_GE(m["clickstream_rebalances_total"], 1) << "the first assignment is a rebalance";
  EXPECT_GT(m["clickstream_open_windows"], 0);
  EXPECT_GT(m["clickstream_commit_duration_seconds_count"], 0);
  EXPECT_EQ(m["clickstream_commit_duration_seconds_bucket{le=\"+Inf\"}"], m["clickstream_commit_duration_seconds_count"]);
  EXPECT_GT(m["clickstream_commits_total"], 0);
  EXPECT_EQ(m["clickstream_sink_errors_total{sink=\"postgres\"}"], 0);
  EXPECT_GT(m["clickstream_watermark_seconds{partition=\"0\",thread=\"0\"}"], 1.7e9);
  ASSERT_EQ(m.count("clickstream_retention_deleted_rows_total"), 1u);
  EXPECT_EQ(m["clickstream_retention_deleted_rows_total"], 0);

  EXPECT_EQ(WaitFor("/healthz", 10, [](int s, const std::string&) { return s == 200; }),
            std::make_pair(200, std::string("ok\n")));
  const auto summary = Get("/api/summary");
  EXPECT_EQ(summary.first, 200);
  EXPECT_NE(summary.second.find("\"page_views\":[["), std::string::npos) << summary.second.substr(0, 2000);
  EXPECT_NE(summary.second.find("\"active_users\":[["), std::string::npos);
  EXPECT_NE(summary.second.find("\"sessions\":[{"), std::string::npos);
  EXPECT_NE(
      summary.second.find(
          "\"settings\":{\"page_view_window_seconds\":60,\"active_users_window_seconds\":300,"
          "\"active_users_slide_seconds\":60,\"session_gap_seconds\":900,\"watermark_delay_seconds\":120,"
          "\"results_retention_seconds\":2592000,\"text\":\"page-view window 1m, active-user window 5m "
          "sliding by 1m, session gap 15m, watermark delay 2m, results kept 30d\"}"),
      std::string::npos)
      << summary.second.substr(0, 2000);
  EXPECT_NE(Get("/").second.find("<canvas id=\"views\""), std::string::npos);
  EXPECT_EQ(Get("/nope").first, 404);

  // PostgreSQL down: not ready, and the reason names it; back up: ready again.
  ASSERT_EQ(ServicesScript("pg-stop"), 0);
  auto down = WaitFor("/healthz", 30, [](int s, const std::string&) { return s == 503; });
  EXPECT_EQ(down.first, 503);
  EXPECT_NE(down.second.find("PostgreSQL"), std::string::npos) << down.second;
  ASSERT_EQ(ServicesScript("pg-start"), 0);
  EXPECT_EQ(WaitFor("/healthz", 60, [](int s, const std::string&) { return s == 200; }).first, 200);
  // Kafka down: the same.
  ASSERT_EQ(ServicesScript("kafka-stop"), 0);
  down = WaitFor("/healthz", 30, [](int s, const std::string&) { return s == 503; });
  EXPECT_EQ(down.first, 503);
  EXPECT_NE(down.second.find("Kafka"), std::string::npos) << down.second;
  ASSERT_EQ(ServicesScript("kafka-start"), 0);
  EXPECT_EQ(WaitFor("/healthz", 90, [](int s, const std::string&) { return s == 200; }).first, 200)
      << "see " << log_path();

  pipeline->Signal(SIGTERM);
  EXPECT_EQ(pipeline->Wait(60), 0) << "see " << log_path();
  EXPECT_EQ(Get("/healthz").first, -1) << "the HTTP server stops with the pipeline";
}

TEST_F(OperabilityTest, DashboardShowsLiveDataInChromium) {
  const std::string node_modules = SourceDir() + "/tests/dashboard/node_modules/playwright-core";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium") && std::filesystem::exists(node_modules))
      << "Chromium or playwright-core missing: run scripts/install-deps.sh --browser";
  // Two minutes of history first, then live traffic of users walking through sessions.
  ProduceAll(input_, Stream(3000));
  auto pipeline = StartPipeline();
  const auto& s = Services();
  ChildProcess producer({ClickstreamBinary(), "produce", "--bootstrap-servers", s.bootstrap_servers, "--topic", input_,
                         "--rate", "150", "--users", "40", "--sessions"},
                        {}, lake_.string() + ".producer.log");
  ASSERT_EQ(WaitFor("/healthz", 60, [](int st, const std::string&) { return st == 200; }).first, 200)
      << "see " << log_path();
  const std::string shot = std::filesystem::current_path().string() + "/dashboard.png";
  std::filesystem::remove(shot);
  const auto started = Clock::now();
  const CommandResult r = RunCommand("node " + SourceDir() + "/tests/dashboard/screenshot.mjs http://127.0.0.1:" +
                                     std::to_string(port_) + "/ " + shot + " 60");
  std::printf("dashboard: %s (%.1f s) -> %s\n", r.output.c_str(),
              std::chrono::duration<double>(Clock::now() - started).count(), shot.c_str());
  EXPECT_EQ(r.exit_code, 0) << r.output << "\nsee " << log_path();
  EXPECT_NE(
      r.output.find("\"settings\":\"page-view window 1m, active-user window 5m sliding by 1m, session gap "
                    "15m, watermark delay 2m, results kept forever\""),
      std::string::npos)
      << r.output;
  EXPECT_GT(std::filesystem::exists(shot) ? std::filesystem::file_size(shot) : 0, 20000u);
  // The docs' picture (docs/dashboard.png) is refreshed on request only, so that a test run leaves the
  // checkout as it was.
  if (std::getenv("CLICKSTREAM_UPDATE_DOCS") != nullptr && r.exit_code == 0) {
    std::filesystem::copy_file(shot, SourceDir() + "/docs/dashboard.png",
                               std::filesystem::copy_options::overwrite_existing);
  }
  producer.Signal(SIGTERM);
  producer.Wait(10);
  pipeline->Signal(SIGTERM);
  EXPECT_EQ(pipeline->Wait(60), 0) << "see " << log_path();
}

}  // namespace
}  // namespace clickstream::testing
