#include "replay/replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"

namespace clickstream {
namespace {

class ReplayTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("replay_test_" + std::to_string(::getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Read(std::string_view name) {
    std::ifstream in(dir_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::filesystem::path dir_;
};

const std::string kInput =
    R"({"event_time": "2026-03-01T10:00:00Z", "user_id": "u2", "page_url": "/b", "event_type": "page_view"}
{"event_time": "2026-03-01T10:00:30.5Z", "user_id": "u1", "page_url": "/a", "event_type": "page_view"}

{"event_time": "2026-03-01T10:05:00Z", "user_id": "u1", "page_url": "/a", "event_type": "session_end"}
not json
{"event_time": "2026-03-01T10:01:00Z", "user_id": "u3", "page_url": "/a", "event_type": "click"}
{"event_time": "2026-03-01T10:04:00Z", "user_id": ")"
    "u\xff"
    R"(", "page_url": "/a", "event_type": "click"}
)";

TEST_F(ReplayTest, WritesEveryTableSorted) {
  std::istringstream input(kInput);
  const Result<ReplaySummary> summary = Replay(input, dir_);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->accepted, 3);
  EXPECT_EQ(summary->late, 1);
  EXPECT_EQ(summary->rejected, 2);
  EXPECT_NE(summary->ToString().find("6 records: 3 accepted, 1 late, 2 rejected"), std::string::npos);

  EXPECT_EQ(
      Read("page_view_counts.jsonl"),
      R"({"window_start":"2026-03-01T10:00:00.000000Z","window_end":"2026-03-01T10:01:00.000000Z","page_url":"/a","view_count":1,"is_final":true}
{"window_start":"2026-03-01T10:00:00.000000Z","window_end":"2026-03-01T10:01:00.000000Z","page_url":"/b","view_count":1,"is_final":true}
)");
  const std::string active = Read("active_users.jsonl");
  EXPECT_EQ(std::count(active.begin(), active.end(), '\n'), 10);
  EXPECT_EQ(
      active.substr(0, active.find('\n') + 1),
      R"({"window_start":"2026-03-01T09:56:00.000000Z","window_end":"2026-03-01T10:01:00.000000Z","active_user_count":2,"is_final":true}
)");
  EXPECT_EQ(
      Read("sessions.jsonl"),
      R"({"user_id":"u1","session_start_time":"2026-03-01T10:00:30.500000Z","session_end_time":"2026-03-01T10:05:00.000000Z","session_duration_seconds":269.5,"event_count":2,"page_view_count":1,"is_final":false}
{"user_id":"u2","session_start_time":"2026-03-01T10:00:00.000000Z","session_end_time":"2026-03-01T10:00:00.000000Z","session_duration_seconds":0,"event_count":1,"page_view_count":1,"is_final":false}
)");
  EXPECT_EQ(
      Read("user_sessions.jsonl"),
      R"({"user_id":"u1","session_start_time":"2026-03-01T10:00:30.500000Z","session_end_time":"2026-03-01T10:05:00.000000Z","session_duration_seconds":269.5}
{"user_id":"u2","session_start_time":"2026-03-01T10:00:00.000000Z","session_end_time":"2026-03-01T10:00:00.000000Z","session_duration_seconds":0}
)");
  EXPECT_EQ(
      Read("late_events.jsonl"),
      R"({"event_time":"2026-03-01T10:01:00.000000Z","user_id":"u3","page_url":"/a","event_type":"click","lateness_seconds":120}
)");
  EXPECT_EQ(Read("rejected.jsonl"),
            "{\"reason\":\"invalid_json\",\"raw\":\"not json\"}\n"
            "{\"reason\":\"invalid_utf8\",\"raw\":\"{\\\"event_time\\\": \\\"2026-03-01T10:04:00Z\\\", "
            "\\\"user_id\\\": "
            "\\\"u\xef\xbf\xbd\\\", \\\"page_url\\\": \\\"/a\\\", \\\"event_type\\\": \\\"click\\\"}\"}\n");
}

TEST_F(ReplayTest, EmptyInputWritesEmptyFiles) {
  std::istringstream input("");
  ASSERT_TRUE(Replay(input, dir_).ok());
  for (std::string_view name : kReplayFiles) EXPECT_TRUE(std::filesystem::exists(dir_ / name)) << name;
}

TEST_F(ReplayTest, MissingInputFile) {
  const auto result = ReplayFile((dir_ / "nope.jsonl").string(), dir_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
}

TEST_F(ReplayTest, UnwritableOutputDirectory) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  std::istringstream input(kInput);
  const auto result = Replay(input, dir_ / "file" / "out");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kIoError);
}

TEST_F(ReplayTest, CommandExitsWithDataErrorOnMissingInput) {
  CLI::App app;
  cli::RegisterReplayCommand(app);
  const std::string missing = (dir_ / "nope.jsonl").string();
  const std::string out = dir_.string();
  const char* argv[] = {"clickstream", "replay", "--input", missing.c_str(), "--output", out.c_str()};
  try {
    app.parse(6, const_cast<char**>(argv));
    FAIL() << "expected an error";
  } catch (const CLI::RuntimeError& e) {
    EXPECT_EQ(e.get_exit_code(), cli::kExitData);
  }
}

TEST_F(ReplayTest, CommandWritesResults) {
  std::filesystem::create_directories(dir_);
  const std::string input = (dir_ / "in.jsonl").string();
  std::ofstream(input) << kInput;
  const std::string out = (dir_ / "out").string();
  CLI::App app;
  cli::RegisterReplayCommand(app);
  const char* argv[] = {"clickstream", "replay", "--input", input.c_str(), "--output", out.c_str()};
  app.parse(6, const_cast<char**>(argv));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / "sessions.jsonl"));
}

// A valid page_view record (one line) with user_id and extra members given as JSON text.
std::string HostileRecord(std::string_view time, std::string_view user, std::string_view extra = "") {
  return R"({"event_time": ")" + std::string(time) + R"(", "user_id": )" + std::string(user) +
         R"(, "page_url": "/a", "event_type": "page_view")" + std::string(extra) + "}\n";
}

TEST_F(ReplayTest, HostileRecordsAreRejectedWithTheirReasons) {
  std::istringstream input(
      HostileRecord("2026-03-01T10:00:00Z", R"("a\u0000b")") +
      HostileRecord("2026-03-01T10:00:00Z", R"("\ud800")") +
      HostileRecord("0000-01-01T00:00:00+00:01", R"("u")") +
      HostileRecord("2026-03-01T10:00:00Z", R"("u")", R"(, "x": )" + std::string(200'000, '[')));
  const Result<ReplaySummary> summary = Replay(input, dir_);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->rejected, 4);
  std::istringstream rejected(Read("rejected.jsonl"));
  std::vector<std::string> reasons;
  for (std::string line; std::getline(rejected, line);) reasons.push_back(line.substr(0, line.find(',')));
  EXPECT_EQ(reasons,
            (std::vector<std::string>{R"({"reason":"control_character")", R"({"reason":"invalid_utf8")",
                                      R"({"reason":"invalid_event_time")", R"({"reason":"too_deep")"}));
}

TEST_F(ReplayTest, EventsAtTheEndsOfTheYearsGiveWellFormedTimes) {
  std::istringstream input(HostileRecord("0001-01-01T00:00:00Z", R"("a")") +
                           HostileRecord("2026-03-01T10:00:00Z", R"("b")") +
                           HostileRecord("9999-12-31T23:59:30Z", R"("c")"));
  const Result<ReplaySummary> summary = Replay(input, dir_);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->accepted, 3);
  const std::string views = Read("page_view_counts.jsonl");
  EXPECT_NE(views.find(R"("window_start":"0001-01-01T00:00:00.000000Z")"), std::string::npos) << views;
  EXPECT_NE(
      views.find(
          R"("window_start":"9999-12-31T23:59:00.000000Z","window_end":"+10000-01-01T00:00:00.000000Z")"),
      std::string::npos)
      << views;
  const std::string active = Read("active_users.jsonl");
  EXPECT_EQ(std::count(active.begin(), active.end(), '\n'), 15);
  EXPECT_NE(active.find(R"("window_start":"0000-12-31T23:56:00.000000Z")"), std::string::npos) << active;
  EXPECT_EQ(active.find("000/"), std::string::npos);
}

}  // namespace
}  // namespace clickstream
