// The exposition format of /metrics and the decisions of /healthz, on a probe filled by hand.
#include "observability/metrics_text.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "observability/health.h"

namespace clickstream {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000;

TEST(MetricsText, EveryFamilyHasHelpTypeAndWellFormedSamples) {
  PipelineProbe p;
  p.consumed = 10;
  p.accepted = 6;
  p.late = 1;
  p.rejected[static_cast<size_t>(RejectReason::kInvalidJson)] = 3;
  p.ObserveCommit(3000);     // 3 ms
  p.ObserveCommit(2000000);  // 2 s
  p.last_commit_pass_unix_micros = kNow - 500'000;
  p.SetPartitions({{0, {5, 1'700'000'000'000'000, true, 42, 3, 2, 0}}, {3, {0, 0, false, 7, 1, 1, 1}}});
  p.SetThread(0, {"rdkafka-a", 1});
  p.SetThread(1, {"", 1});
  p.rebalances = 4;
  const std::string text = RenderMetrics(p, kNow);

  std::istringstream in(text);
  std::string line, family;
  std::set<std::string> helped, typed;
  const std::regex sample(R"(([a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+-]+|\+Inf))");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      typed.insert(family);
      const std::string type = line.substr(line.rfind(' ') + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      if (type == "counter") {
        EXPECT_TRUE(family.ends_with("_total")) << line;
      }
    } else {
      ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
      EXPECT_EQ(m[1].str().rfind(family, 0), 0u) << "sample outside its family: " << line;
    }
  }
  EXPECT_EQ(helped, typed);
  std::set<std::string> declared;
  for (const MetricFamily& f : MetricFamilies()) declared.insert(std::string(f.name));
  EXPECT_EQ(typed, declared);
  for (const char* expected : {"clickstream_events_consumed_total 10\n",
                               "clickstream_events_accepted_total 6\n",
                               "clickstream_events_late_total 1\n",
                               "clickstream_events_rejected_total{reason=\"invalid_json\"} 3\n",
                               "clickstream_events_rejected_total{reason=\"unknown_event_type\"} 0\n",
                               "clickstream_consumer_lag_records{partition=\"0\",thread=\"0\"} 5\n",
                               "clickstream_watermark_seconds{partition=\"0\",thread=\"0\"} 1700000000\n",
                               "clickstream_committed_offset{partition=\"3\",thread=\"1\"} 7\n",
                               "clickstream_threads 2\n",
                               "clickstream_thread_partitions_assigned{thread=\"1\"} 1\n",
                               "clickstream_group_member_info{thread=\"0\",member_id=\"rdkafka-a\"} 1\n",
                               "clickstream_rebalances_total 4\n",
                               "clickstream_open_windows 4\n",
                               "clickstream_open_sessions 3\n",
                               "clickstream_commit_duration_seconds_bucket{le=\"0.001\"} 0\n",
                               "clickstream_commit_duration_seconds_bucket{le=\"0.005\"} 1\n",
                               "clickstream_commit_duration_seconds_bucket{le=\"1\"} 1\n",
                               "clickstream_commit_duration_seconds_bucket{le=\"2.5\"} 2\n",
                               "clickstream_commit_duration_seconds_bucket{le=\"+Inf\"} 2\n",
                               "clickstream_commit_duration_seconds_sum 2.003\n",
                               "clickstream_commit_duration_seconds_count 2\n",
                               "clickstream_sink_errors_total{sink=\"postgres\"} 0\n",
                               "clickstream_last_commit_age_seconds 0.5\n"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "in\n" << text;
  }
  // A partition without a watermark has no watermark sample.
  EXPECT_EQ(text.find("clickstream_watermark_seconds{partition=\"3\""), std::string::npos);
  // Nor a thread that has not joined the group yet a member id.
  EXPECT_EQ(text.find("clickstream_group_member_info{thread=\"1\""), std::string::npos);
}

// Each family of /metrics is one declaration of MetricFamilies() (which docs/operations.md lists),
// rendered once, with samples labelled as the declaration says.
TEST(MetricsText, EveryFamilyRenderedOnceFromOneDeclaration) {
  std::map<std::string, const MetricFamily*> declared;
  for (const MetricFamily& f : MetricFamilies()) {
    EXPECT_TRUE(declared.emplace(std::string(f.name), &f).second) << "declared twice: " << f.name;
  }
  // A probe on which every family has samples.
  PipelineProbe p;
  p.last_commit_pass_unix_micros = kNow - 1'000'000;
  p.SetPartitions({{0, {5, 1'700'000'000'000'000, true, 42, 3, 2, 0}}});
  p.SetThread(0, {"rdkafka-a", 1});
  p.retention.has_cutoff = true;
  p.retention.cutoff_micros = 1'600'000'000'000'000;
  std::istringstream in(RenderMetrics(p, kNow));

  std::map<std::string, int> rendered;  // HELP lines by family
  std::set<std::string> sampled;
  const MetricFamily* family = nullptr;
  const std::regex label(R"(([a-z_]+)=")");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      ++rendered[name];
      const auto it = declared.find(name);
      family = it == declared.end() ? nullptr : it->second;
      EXPECT_NE(family, nullptr) << "rendered without a declaration: " << line;
      if (family) {
        EXPECT_EQ(line, "# HELP " + name + " " + std::string(family->help));
      }
    } else if (line.rfind("# TYPE ", 0) == 0) {
      if (family) {
        EXPECT_EQ(line.substr(line.rfind(' ') + 1), MetricTypeName(family->type)) << line;
      }
    } else if (family) {
      const std::string name = line.substr(0, line.find_first_of("{ "));
      sampled.insert(std::string(family->name));
      std::string keys;
      for (auto m = std::sregex_iterator(line.begin(), line.end(), label); m != std::sregex_iterator(); ++m) {
        keys += (keys.empty() ? "" : ",") + (*m)[1].str();
      }
      EXPECT_EQ(keys, name.ends_with("_bucket") ? "le" : std::string(family->labels)) << line;
    }
  }
  for (const auto& [name, f] : declared) {
    EXPECT_EQ(rendered[name], 1) << name << " is rendered " << rendered[name] << " times";
    EXPECT_TRUE(sampled.contains(name)) << name << " has no sample";
  }
}

TEST(Health, ReadyOnlyWhenRunningConnectedAndCommitting) {
  PipelineProbe p;
  EXPECT_FALSE(CheckHealth(p, 200, kNow).ok);
  EXPECT_NE(CheckHealth(p, 200, kNow).reason.find("starting"), std::string::npos);
  p.state = PipelineProbe::State::kRunning;
  EXPECT_EQ(CheckHealth(p, 200, kNow).reason, "no commit yet");
  p.last_commit_pass_unix_micros = kNow - 1'000'000;
  EXPECT_NE(CheckHealth(p, 200, kNow).reason.find("no input partitions"), std::string::npos);
  p.SetPartitions({{0, {}}});
  EXPECT_TRUE(CheckHealth(p, 200, kNow).ok);
  // Stale commits: 5 intervals or 5 s, whichever is longer.
  p.last_commit_pass_unix_micros = kNow - 6'000'000;
  EXPECT_EQ(CheckHealth(p, 200, kNow).reason, "no commit for 6 s");
  EXPECT_TRUE(CheckHealth(p, 2000, kNow).ok);
  p.last_commit_pass_unix_micros = kNow;
  p.SetOutage(Server::kPostgres,
              Outage{kNow - 12'000'000, 4, "postgres: COMMIT: server closed the connection"});
  EXPECT_EQ(
      CheckHealth(p, 200, kNow).reason,
      "PostgreSQL unavailable for 12 s (4 failed attempts, retrying): postgres: COMMIT: server closed the "
      "connection");
  p.SetOutage(Server::kPostgres, std::nullopt);
  EXPECT_TRUE(CheckHealth(p, 200, kNow).ok);
  p.SetOutage(Server::kRegistry,
              Outage{kNow - 3'000'000, 2, "schema registry http://127.0.0.1:1: schema id 1: Connection"});
  EXPECT_EQ(CheckHealth(p, 200, kNow).reason,
            "schema registry unavailable for 3 s (2 failed attempts, retrying): schema registry "
            "http://127.0.0.1:1: schema id 1: Connection");
  p.SetOutage(Server::kRegistry, std::nullopt);
  EXPECT_TRUE(CheckHealth(p, 200, kNow).ok);
  p.state = PipelineProbe::State::kStopping;
  EXPECT_EQ(CheckHealth(p, 200, kNow).reason, "stopping");
}

}  // namespace
}  // namespace clickstream
