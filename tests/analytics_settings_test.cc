// Analytics settings other than the defaults (SPEC.md section 8). On the real broker and server: the
// results of `clickstream run` equal the engine's with those settings; the database then refuses a run
// with other settings, which writes nothing, until one passes --reset-results. Without servers: bad
// settings stop `run` and `replay` with one line and exit code 2, and `replay` computes with its flags.
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "pipeline_fixture.h"
#include "postgres/results_sink.h"

namespace clickstream::testing {
namespace {

// The tables a run writes, as one text, to compare before and after a refused run.
std::string Snapshot(pg::Connection& db) {
  std::string out;
  for (const char* sql :
       {"SELECT string_agg(page_url || view_count || is_final, ',' ORDER BY window_start, page_url) "
        "FROM page_view_counts",
        "SELECT string_agg(active_user_count || ':' || is_final, ',' ORDER BY window_start) FROM "
        "active_users",
        "SELECT count(*) || ':' || coalesce(sum(event_count), 0) FROM session_history",
        "SELECT count(*) FROM late_events",
        "SELECT string_agg(kafka_partition || ':' || next_offset || ':' || fence, ',' ORDER BY "
        "kafka_partition) FROM partition_progress",
        "SELECT page_view_window || active_users_window::text || watermark_delay FROM analytics_settings"}) {
    for (const auto& row : QueryRows(db, sql)) out += row + "\n";
  }
  return out;
}

class AnalyticsSettingsTest : public PipelineTest {};

TEST_F(AnalyticsSettingsTest, ResultsFollowTheSettingsAndTheDatabaseRefusesOthers) {
  UseDatabase("clickstream_settings_test");  // leaves the other tests' database at the defaults
  // About 10 minutes of event time, out of order by up to 90 s: a 30 s delay makes many events late.
  const auto stream = KnownStream(3000, 28);
  ProduceAll(input_, stream);
  analytics_.page_view_window = Duration::Minutes(2);
  analytics_.active_users_window = Duration::Minutes(10);
  analytics_.active_users_slide = Duration::Minutes(2);
  analytics_.session_gap = Duration::Minutes(5);
  analytics_.allowed_lateness = Duration::Seconds(30);
  const std::vector<std::string> settings = {"--page-view-window",   "2m", "--active-users-window", "10m",
                                             "--active-users-slide", "2m", "--session-gap",         "300s",
                                             "--watermark-delay",    "30"};
  RunAndVerify(stream.size(), settings);
  // Beyond the equality with the engine: the windows have the lengths set, and start at even minutes.
  EXPECT_EQ(QueryRows(*db_, "SELECT DISTINCT (window_end - window_start)::text FROM page_view_counts"),
            Rows{"00:02:00"});
  EXPECT_EQ(QueryRows(*db_, "SELECT DISTINCT (window_end - window_start)::text FROM active_users"),
            Rows{"00:10:00"});
  EXPECT_EQ(
      QueryRows(*db_, "SELECT DISTINCT extract(epoch FROM window_start)::bigint % 120 FROM active_users"),
      Rows{"0"});

  // The defaults on the same database: refused before claiming any partition, nothing written.
  const std::string before = Snapshot(*db_);
  auto refused = StartPipeline();
  EXPECT_EQ(refused->Wait(60), 2) << "see " << log_path();
  EXPECT_TRUE(WaitForLog(
      "clickstream run: the database's results were computed with page-view window 2m, active-user window "
      "10m sliding by 2m, session gap 5m, watermark delay 30s, not with page-view window 1m, active-user "
      "window 5m sliding by 1m, session gap 15m, watermark delay 2m: run with those settings, use a new "
      "database (--db-name), or pass --reset-results",
      1));
  EXPECT_EQ(Snapshot(*db_), before);

  // --reset-results: the results of the defaults, computed anew from the start of every partition.
  analytics_ = EngineOptions{};
  auto reset = StartPipeline({"--reset-results"});
  ASSERT_TRUE(WaitForLog("--reset-results: deleted the results computed with other settings", 60))
      << "see " << log_path();
  WaitDrained(stream.size(), 120);
  StopGracefully(*reset);
  VerifyDatabase(stream.size());
}

// Processes of one group starting at once on an empty database, two with other settings than the rest:
// the first to record its settings starts, with every process of the same settings; the others refuse.
TEST_F(AnalyticsSettingsTest, OfProcessesStartingAtOnceThoseWithOtherSettingsRefuse) {
  UseDatabase("clickstream_settings_test");
  std::vector<EngineOptions> settings(6);
  settings[1].session_gap = Duration::Minutes(30);
  settings[4].session_gap = Duration::Minutes(30);
  settings[5].page_view_window = Duration::Minutes(2);
  for (int round = 0; round < 5; ++round) {
    ResetTables(*db_);
    std::vector<Status> outcomes(settings.size());
    std::vector<std::thread> processes;
    for (size_t i = 0; i < settings.size(); ++i) {
      processes.emplace_back([&, i] {
        auto sink = pg::ResultsSink::Open(pg_);
        outcomes[i] = sink.ok() ? sink->AdoptSettings(settings[i], false).status() : sink.status();
      });
    }
    for (auto& p : processes) p.join();
    std::optional<EngineOptions> started;
    for (size_t i = 0; i < settings.size(); ++i) {
      if (outcomes[i].ok()) started = settings[i];
    }
    ASSERT_TRUE(started.has_value());
    for (size_t i = 0; i < settings.size(); ++i) {
      EXPECT_EQ(outcomes[i].ok(), settings[i] == *started) << i << ": " << outcomes[i].message();
      EXPECT_EQ(outcomes[i].code(), outcomes[i].ok() ? StatusCode::kOk : StatusCode::kInvalidArgument);
    }
  }
}

// `clickstream <args>` without servers: its exit code and output (stdout and stderr).
std::pair<int, std::string> Clickstream(const std::string& env, const std::string& args) {
  const CommandResult r = RunCommand("env " + env + " " + ClickstreamBinary() + " " + args);
  return {r.exit_code, r.output};
}

TEST(AnalyticsSettingsFlags, BadSettingsStopWithOneLineAndExitCode2) {
  const std::string replay = "replay --input /dev/null --output " + ::testing::TempDir() + UniqueTopic("out");
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"", replay + " --page-view-window 1.5m",
       "clickstream: --page-view-window: must be whole seconds from 1s to 168h, as 90s, 5m or 1h, got "
       "'1.5m' (see `clickstream replay --help`)\n"},
      {"SESSION_GAP=0", replay,
       "clickstream: --session-gap: must be whole seconds from 1s to 168h, as 90s, 5m or 1h, got '0' (see "
       "`clickstream replay --help`)\n"},
      {"", replay + " --active-users-window 90s",
       "clickstream replay: --active-users-window 90s must be a multiple of --active-users-slide 1m: e.g. "
       "2m\n"},
      {"", "run --results-retention 30s",
       "clickstream: --results-retention: must be forever or whole seconds from 1m to 36500d, as 90m, 36h or "
       "30d, got '30s' (see `clickstream run --help`)\n"},
      {"RESULTS_RETENTION=1w", "run",
       "clickstream: --results-retention: must be forever or whole seconds from 1m to 36500d, as 90m, 36h or "
       "30d, got '1w' (see `clickstream run --help`)\n"},
      {"ACTIVE_USERS_SLIDE=45s", "run --active-users-window 5m",
       "clickstream run: --active-users-window 5m must be a multiple of --active-users-slide 45s: e.g. "
       "315s\n"},
  };
  for (const auto& [env, args, message] : cases) {
    const auto [code, err] = Clickstream(env, args);
    EXPECT_EQ(code, 2) << args;
    EXPECT_EQ(err, message) << args;
  }
}

TEST(AnalyticsSettingsFlags, ReplayComputesWithItsSettings) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / UniqueTopic("replay");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "in.jsonl")
      << R"({"event_time":"2026-03-01T10:00:10Z","user_id":"u1","page_url":"/a","event_type":"page_view"})"
         "\n"
      << R"({"event_time":"2026-03-01T10:01:50Z","user_id":"u1","page_url":"/a","event_type":"page_view"})"
         "\n"
      << R"({"event_time":"2026-03-01T10:09:00Z","user_id":"u1","page_url":"/a","event_type":"page_view"})"
         "\n";
  const auto [code, err] =
      Clickstream("PAGE_VIEW_WINDOW=2m", "replay --input " + (dir / "in.jsonl").string() + " --output " +
                                             (dir / "out").string() + " --session-gap 7m");
  ASSERT_EQ(code, 0) << err;
  std::ifstream views(dir / "out" / "page_view_counts.jsonl");
  std::string first;
  std::getline(views, first);
  EXPECT_EQ(first,
            R"({"window_start":"2026-03-01T10:00:00.000000Z","window_end":"2026-03-01T10:02:00.000000Z",)"
            R"("page_url":"/a","view_count":2,"is_final":true})");
  std::ifstream sessions(dir / "out" / "sessions.jsonl");
  int n = 0;
  for (std::string line; std::getline(sessions, line);) ++n;
  EXPECT_EQ(n, 2);  // 10:01:50 to 10:09:00 is more than the 7 m gap
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace clickstream::testing
