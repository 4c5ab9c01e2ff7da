// Random streams through the engine and through a deliberately naive model that recomputes every table
// from the set of accepted events, straight from SPEC.md's wording.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/rfc3339.h"
#include "engine/partition_engine.h"
#include "engine/result_table.h"
#include "engine/window.h"

namespace clickstream {
namespace {

const Duration kMinute = Duration::Minutes(1);
const Duration kLateness = Duration::Minutes(2);
const Duration kGap = Duration::Minutes(15);

// ---- The model -------------------------------------------------------------------------------------

int Rank(EventType t) { return t == EventType::kSessionEnd ? 1 : t == EventType::kSessionStart ? 2 : 0; }

struct Model {
  std::vector<Event> accepted;
  std::vector<LateEvent> late;
  EventTime max_time = EventTime::Min();

  Watermark W() const {
    return max_time == EventTime::Min() ? Watermark::None() : Watermark(max_time - kLateness);
  }

  void Add(const Event& e) {
    if (e.event_time < W().time()) {
      late.push_back({e, W().time() - e.event_time});
      return;
    }
    accepted.push_back(e);
    max_time = std::max(max_time, e.event_time);
  }

  ResultTable Tables() const {
    const Watermark w = W();
    Changes all;
    std::map<std::pair<EventTime, std::string>, int64_t> views;
    std::map<EventTime, std::set<std::string>> users;
    std::map<std::string, std::vector<Event>> by_user;
    for (const Event& e : accepted) {
      if (e.event_type == EventType::kPageView) ++views[{WindowStart(e.event_time, kMinute), e.page_url}];
      // The 5 windows [s, s + 5 min) that contain the event.
      for (int k = 0; k < 5; ++k) {
        users[WindowStart(e.event_time, kMinute) - Duration::Minutes(k)].insert(e.user_id);
      }
      by_user[e.user_id].push_back(e);
    }
    for (const auto& [key, count] : views) {
      all.page_view_counts.push_back(
          {key.first, key.first + kMinute, key.second, count, w.time() >= key.first + kMinute});
    }
    for (const auto& [start, set] : users) {
      const EventTime end = start + Duration::Minutes(5);
      all.active_users.push_back({start, end, static_cast<int64_t>(set.size()), w.time() >= end});
    }
    for (auto& [user, events] : by_user) {
      std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return std::pair(a.event_time, Rank(a.event_type)) < std::pair(b.event_time, Rank(b.event_type));
      });
      std::vector<std::vector<Event>> sessions;
      for (size_t i = 0; i < events.size(); ++i) {
        const bool new_session = sessions.empty() ||
                                 events[i].event_time - events[i - 1].event_time >= kGap ||
                                 events[i].event_type == EventType::kSessionStart ||
                                 events[i - 1].event_type == EventType::kSessionEnd;
        if (new_session) sessions.emplace_back();
        sessions.back().push_back(events[i]);
      }
      std::map<EventTime, SessionRow> by_start;  // later sessions with the same start replace earlier ones
      for (const auto& s : sessions) {
        SessionRow row{user, s.front().event_time, s.back().event_time, static_cast<int64_t>(s.size()), 0,
                       false};
        for (const Event& e : s) row.page_view_count += e.event_type == EventType::kPageView;
        const bool has_end = s.back().event_type == EventType::kSessionEnd;
        row.is_final =
            (has_end && w.time() > row.session_end_time) || w.time() >= row.session_end_time + kGap;
        by_start[row.session_start_time] = row;
      }
      for (const auto& [start, row] : by_start) all.sessions.push_back(row);
    }
    all.late_events = late;
    ResultTable table;
    table.Apply(all);
    return table;
  }
};

// ---- Streams ---------------------------------------------------------------------------------------

struct StreamOptions {
  int events = 3000;
  int users = 40;
  Duration resolution = Duration::Seconds(1);  // coarse times provoke ties and exact boundaries
  double late_fraction = 0.03;
  double duplicate_fraction = 0.03;
  double marker_fraction = 0.2;   // session_start / session_end
  double jump_fraction = 0.01;    // idle periods longer than the session gap
  double far_fraction = 0;        // events anywhere in years 0001-9999; one ahead moves the stream there
  bool starts_in_year_1 = false;  // the first event is at 0001-01-01T00:00:00Z
};

std::vector<Event> RandomStream(uint32_t seed, const StreamOptions& o) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  const int64_t res = o.resolution.micros();
  const char* pages[] = {"/home", "/products", "/cart"};
  int64_t now = ParseRfc3339("2026-03-01T10:00:00Z")->micros();
  now += uniform(0, 59) * res;
  std::vector<Event> events;
  if (o.starts_in_year_1) events.push_back({kEarliestTime, "user_1", pages[0], EventType::kPageView});
  for (int i = 0; i < o.events; ++i) {
    if (o.far_fraction > 0 && chance(o.far_fraction)) {
      // A month of room at the end for the events that follow.
      const int64_t t =
          uniform(kEarliestTime.micros(), (kLatestTime - Duration::Minutes(60 * 24 * 31)).micros());
      now = std::max(now, t);
      events.push_back({EventTime::FromMicros(t / res * res), "user_" + std::to_string(uniform(1, o.users)),
                        pages[uniform(0, 2)], EventType::kClick});
      continue;
    }
    if (!events.empty() && chance(o.duplicate_fraction)) {
      events.push_back(events[uniform(0, static_cast<int64_t>(events.size()) - 1)]);
      continue;
    }
    now += chance(o.jump_fraction) ? uniform(15, 40) * kMinute.micros() / res * res : uniform(0, 3) * res;
    int64_t t = now - uniform(0, kLateness.micros() / res) * res;  // out of order, within the bound
    if (chance(o.late_fraction)) t = now - kLateness.micros() - uniform(1, 600) * res;
    EventType type = chance(0.6) ? EventType::kPageView : EventType::kClick;
    if (chance(o.marker_fraction)) type = chance(0.5) ? EventType::kSessionStart : EventType::kSessionEnd;
    events.push_back({EventTime::FromMicros(t / res * res), "user_" + std::to_string(uniform(1, o.users)),
                      pages[uniform(0, 2)], type});
  }
  return events;
}

// ---- Checks ----------------------------------------------------------------------------------------

// Batch invariants of Changes (changes.h), and that nothing is emitted after its final row.
class BatchChecker {
 public:
  void Check(const Changes& c) {
    std::set<std::pair<EventTime, std::string>> views;
    for (const auto& row : c.page_view_counts) {
      EXPECT_TRUE(views.insert({row.window_start, row.page_url}).second) << "page view key twice in a batch";
      CheckNotFinal(finals_views_, {row.window_start, row.page_url}, row.is_final);
    }
    std::set<EventTime> active;
    for (const auto& row : c.active_users) {
      EXPECT_TRUE(active.insert(row.window_start).second) << "active users key twice in a batch";
      CheckNotFinal(finals_active_, row.window_start, row.is_final);
    }
    std::set<SessionKey> sessions;
    for (const auto& row : c.sessions) {
      const SessionKey key{row.user_id, row.session_start_time};
      EXPECT_TRUE(sessions.insert(key).second) << "session key twice in a batch";
      CheckNotFinal(finals_sessions_, key, row.is_final);
    }
    for (const auto& key : c.removed_sessions) {
      EXPECT_FALSE(sessions.contains(key)) << "session key both upserted and removed";
      EXPECT_FALSE(finals_sessions_.contains(key)) << "final session removed";
    }
  }

 private:
  template <typename Key>
  static void CheckNotFinal(std::set<Key>& finals, const Key& key, bool is_final) {
    EXPECT_FALSE(finals.contains(key)) << "row emitted after its final row";
    if (is_final) finals.insert(key);
  }
  std::set<std::pair<EventTime, std::string>> finals_views_;
  std::set<EventTime> finals_active_;
  std::set<SessionKey> finals_sessions_;
};

void ExpectSameTables(const ResultTable& got, const ResultTable& want) {
  EXPECT_EQ(got.page_view_counts().size(), want.page_view_counts().size());
  for (const auto& [key, row] : want.page_view_counts()) {
    auto it = got.page_view_counts().find(key);
    ASSERT_NE(it, got.page_view_counts().end())
        << "missing page view row " << FormatRfc3339(key.first) << " " << key.second;
    EXPECT_EQ(it->second, row) << FormatRfc3339(key.first) << " " << key.second;
  }
  EXPECT_EQ(got.active_users().size(), want.active_users().size());
  for (const auto& [key, row] : want.active_users()) {
    auto it = got.active_users().find(key);
    ASSERT_NE(it, got.active_users().end()) << "missing active users row " << FormatRfc3339(key);
    EXPECT_EQ(it->second, row) << FormatRfc3339(key);
  }
  EXPECT_EQ(got.sessions().size(), want.sessions().size());
  for (const auto& [key, row] : want.sessions()) {
    auto it = got.sessions().find(key);
    ASSERT_NE(it, got.sessions().end())
        << "missing session " << key.user_id << " " << FormatRfc3339(key.session_start_time);
    EXPECT_EQ(it->second, row) << key.user_id << " " << FormatRfc3339(key.session_start_time);
  }
  for (const auto& [key, row] : got.sessions()) {
    EXPECT_TRUE(want.sessions().contains(key))
        << "extra session " << key.user_id << " " << FormatRfc3339(key.session_start_time);
  }
  const std::map<std::string, SessionRow> got_latest = got.user_sessions();
  EXPECT_EQ(got_latest.size(), want.user_sessions().size());
  for (const auto& [user, row] : want.user_sessions()) {
    auto it = got_latest.find(user);
    ASSERT_NE(it, got_latest.end()) << "missing user_sessions row " << user;
    // user_sessions has no is_final column.
    EXPECT_EQ(std::tie(it->second.session_start_time, it->second.session_end_time),
              std::tie(row.session_start_time, row.session_end_time))
        << user;
  }
  EXPECT_EQ(got.late_events(), want.late_events());
}

// Runs `events` through the engine and the model, taking changes every `batch` events (and at random
// points when batch is 0), checking everything against the model at each batch.
void RunAgainstModel(const std::vector<Event>& events, uint32_t seed, bool restore_midway) {
  std::mt19937 rng(seed);
  PartitionEngine engine{EngineOptions{}};
  Model model;
  ResultTable table;
  BatchChecker checker;
  Changes changes;
  int checks = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const Admission admission = engine.Add(events[i]);
    const size_t late_before = model.late.size();
    model.Add(events[i]);
    ASSERT_EQ(admission.late, model.late.size() > late_before) << i;
    ASSERT_EQ(engine.watermark(), model.W()) << i;
    if (rng() % 97 == 0 || i + 1 == events.size()) {
      if (restore_midway && rng() % 2 == 0) {
        auto restored = PartitionEngine::Restore(engine.SaveState(), EngineOptions{});
        ASSERT_TRUE(restored.ok()) << restored.status().message();
        engine = std::move(restored).value();
      }
      engine.TakeChanges(&changes);
      checker.Check(changes);
      table.Apply(changes);
      ExpectSameTables(table, model.Tables());
      if (testing::Test::HasFailure()) {
        ADD_FAILURE() << "after event " << i << " (" << FormatRfc3339(events[i].event_time) << " "
                      << events[i].user_id << " " << EventTypeName(events[i].event_type) << "), W "
                      << FormatRfc3339(model.W().time());
        return;
      }
      // Memory: only users with an event in the last gap + active window are tracked.
      std::set<std::string> recent;
      for (const Event& e : model.accepted) {
        if (e.event_time >= model.W().time() - kGap - Duration::Minutes(6)) recent.insert(e.user_id);
      }
      EXPECT_LE(engine.tracked_users(), recent.size());
      EXPECT_LE(engine.open_windows(), 3u + 8u);
      ++checks;
    }
  }
  EXPECT_GT(checks, 10);
}

struct Scenario {
  std::string name;
  StreamOptions stream;
  bool restore_midway = false;
};

std::vector<Scenario> Scenarios() {
  std::vector<Scenario> scenarios;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    StreamOptions coarse;  // many ties: equal timestamps of different types, exact gaps and window edges
    coarse.resolution = Duration::Seconds(30);
    coarse.users = 8;
    coarse.marker_fraction = 0.35;
    StreamOptions many_users;
    many_users.resolution = Duration::Micros(1);
    many_users.users = 600;
    many_users.events = 4000;
    StreamOptions restarts;
    restarts.resolution = Duration::Seconds(10);
    restarts.users = 20;
    StreamOptions far_off;  // event times far apart: a few windows each, not one per minute in between
    far_off.far_fraction = 0.005;
    far_off.users = 20;
    far_off.starts_in_year_1 = seed % 2 == 0;
    const std::string n = std::to_string(seed);
    scenarios.push_back({"Seconds" + n, StreamOptions{}, false});
    scenarios.push_back({"CoarseTimes" + n, coarse, false});
    scenarios.push_back({"ManyUsersMicros" + n, many_users, false});
    scenarios.push_back({"SaveRestoreMidStream" + n, restarts, true});
    scenarios.push_back({"FarOffTimes" + n, far_off, true});
  }
  return scenarios;
}

class EngineVsModel : public testing::TestWithParam<Scenario> {};

TEST_P(EngineVsModel, SameTablesAtEveryBatch) {
  const uint32_t seed = static_cast<uint32_t>(std::hash<std::string>()(GetParam().name));
  RunAgainstModel(RandomStream(seed, GetParam().stream), seed, GetParam().restore_midway);
}

INSTANTIATE_TEST_SUITE_P(Streams, EngineVsModel, testing::ValuesIn(Scenarios()),
                         [](const testing::TestParamInfo<Scenario>& info) { return info.param.name; });

}  // namespace
}  // namespace clickstream
