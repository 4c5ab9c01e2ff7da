// Random streams through the engine and through a deliberately naive model that recomputes every table
// from the set of accepted events, straight from SPEC.md's wording with the analytics settings of its
// section 8 as parameters: SPEC's defaults, then random settings, one draw per seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/rfc3339.h"
#include "engine/options.h"
#include "engine/partition_engine.h"
#include "engine/result_table.h"
#include "engine/test_util.h"

namespace clickstream {
namespace {
using testing_util::EngineHarness;

// ---- The model -------------------------------------------------------------------------------------

int Rank(EventType t) { return t == EventType::kSessionEnd ? 1 : t == EventType::kSessionStart ? 2 : 0; }

// The multiple of `size` at or before t: the start of the epoch-aligned window of that size holding t.
// Computed here, not with engine/window.h, so that the model shares no arithmetic with the engine. C++
// division truncates toward zero: before 1970 the remainder is negative, and is folded back.
EventTime AlignDown(EventTime t, Duration size) {
  const int64_t r = t.micros() % size.micros();
  return EventTime::FromMicros(t.micros() - (r < 0 ? r + size.micros() : r));
}

struct Model {
  explicit Model(const EngineOptions& settings)
      : P(settings.page_view_window),
        A(settings.active_users_window),
        S(settings.active_users_slide),
        G(settings.session_gap),
        D(settings.allowed_lateness) {}

  // The settings under SPEC.md section 8's names: page-view window P, active-user window A sliding by S,
  // session gap G, watermark delay D.
  Duration P, A, S, G, D;
  std::vector<Event> accepted;
  std::vector<LateEvent> late;
  EventTime max_time = EventTime::Min();

  Watermark W() const { return max_time == EventTime::Min() ? Watermark::None() : Watermark(max_time - D); }

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
    std::map<EventTime, std::set<std::string_view>> users;  // ids viewed in `accepted`
    std::map<std::string, std::vector<Event>> by_user;
    for (const Event& e : accepted) {
      if (e.event_type == EventType::kPageView) ++views[{AlignDown(e.event_time, P), e.page_url}];
      // The windows [s, s + A) with s a multiple of S that contain the event: s in (t - A, t].
      for (EventTime s = AlignDown(e.event_time, S); s > e.event_time - A; s = s - S)
        users[s].insert(e.user_id);
      by_user[e.user_id].push_back(e);
    }
    for (const auto& [key, count] : views) {
      all.page_view_counts.push_back(
          {key.first, key.first + P, key.second, count, w.time() >= key.first + P});
    }
    for (const auto& [start, set] : users) {
      all.active_users.push_back({start, start + A, static_cast<int64_t>(set.size()), w.time() >= start + A});
    }
    for (auto& [user, events] : by_user) {
      std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return std::pair(a.event_time, Rank(a.event_type)) < std::pair(b.event_time, Rank(b.event_type));
      });
      std::vector<std::vector<Event>> sessions;
      for (size_t i = 0; i < events.size(); ++i) {
        const bool new_session = sessions.empty() || events[i].event_time - events[i - 1].event_time >= G ||
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
        // W > session_end_time, not SPEC.md's >=: at W == session_end_time a page_view at that time is not
        // late and still joins the session (engine/sessions.h).
        row.is_final = (has_end && w.time() > row.session_end_time) || w.time() >= row.session_end_time + G;
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
  EventTime start = *ParseRfc3339("2026-03-01T10:00:00Z");
  Duration resolution = Duration::Seconds(1);  // coarse times provoke ties and exact boundaries
  Duration pace = Duration::Seconds(1);        // the clock advances 0-3 paces per event
  double late_fraction = 0.03;
  double duplicate_fraction = 0.03;
  double marker_fraction = 0.2;   // session_start / session_end
  double jump_fraction = 0.01;    // idle periods of at least the session gap
  double far_fraction = 0;        // events anywhere in years 0001-9999; one ahead moves the stream there
  bool starts_in_year_1 = false;  // the first event is at 0001-01-01T00:00:00Z
};

// Events out of order within the watermark delay D of `settings`, some late beyond it.
std::vector<Event> RandomStream(uint64_t seed, const StreamOptions& o, const EngineOptions& settings) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  const int64_t res = o.resolution.micros();
  const int64_t delay = settings.allowed_lateness.micros();
  const int64_t gap = settings.session_gap.micros();
  // Jumps of G (a new session exactly at the gap) up to 2G + A + D, past the windows and sessions open.
  const int64_t jump_extra = gap + settings.active_users_window.micros() + delay;
  const char* pages[] = {"/home", "/products", "/cart"};
  int64_t now = o.start.micros() + uniform(0, 59) * res;
  std::vector<Event> events;
  if (o.starts_in_year_1) events.push_back({kEarliestTime, "user_1", pages[0], EventType::kPageView});
  for (int i = 0; i < o.events; ++i) {
    if (o.far_fraction > 0 && chance(o.far_fraction)) {
      // Room at the end for the events that follow, however far the clock may advance.
      const int64_t room = o.events * std::max(3 * o.pace.micros(), gap + jump_extra);
      const int64_t t = uniform(kEarliestTime.micros(), kLatestTime.micros() - room);
      now = std::max(now, t);
      events.push_back({EventTime::FromMicros(t / res * res), "user_" + std::to_string(uniform(1, o.users)),
                        pages[uniform(0, 2)], EventType::kClick});
      continue;
    }
    if (!events.empty() && chance(o.duplicate_fraction)) {
      events.push_back(events[uniform(0, static_cast<int64_t>(events.size()) - 1)]);
      continue;
    }
    now +=
        chance(o.jump_fraction) ? gap + uniform(0, jump_extra / res) * res : uniform(0, 3) * o.pace.micros();
    int64_t t = now - uniform(0, delay / res) * res;  // out of order, within the bound
    if (chance(o.late_fraction)) {
      t = now - delay -
          uniform(1, std::max<int64_t>(1, (delay + settings.active_users_window.micros()) / res)) * res;
    }
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

int64_t CeilDiv(Duration a, Duration b) { return (a.micros() + b.micros() - 1) / b.micros(); }

// Runs `events` through the engine and the model with `settings`, taking changes after batches of 1 to
// 2 * mean_batch - 1 events, checking everything against the model at each batch.
void RunAgainstModel(const EngineOptions& settings, const std::vector<Event>& events, uint64_t seed,
                     bool restore_midway, int mean_batch) {
  std::mt19937 rng(seed);
  auto batch = [&] { return std::uniform_int_distribution<size_t>(1, 2 * mean_batch - 1)(rng); };
  PartitionEngine engine{settings};
  Model model(settings);
  ResultTable table;
  BatchChecker checker;
  Changes changes;
  int checks = 0;
  size_t next_check = batch();
  for (size_t i = 0; i < events.size(); ++i) {
    const Admission admission = engine.Add(events[i]);
    const size_t late_before = model.late.size();
    model.Add(events[i]);
    ASSERT_EQ(admission.late, model.late.size() > late_before) << i;
    ASSERT_EQ(engine.watermark(), model.W()) << i;
    if (i + 1 == next_check || i + 1 == events.size()) {
      next_check += batch();
      if (restore_midway && rng() % 2 == 0) {
        auto restored = PartitionEngine::Restore(engine.SaveState(), settings);
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
      // Memory: only users with an event in the last G + A + S are tracked, and only the windows that can
      // still change are open: those starting after W - P (page views) or W - A (active users), and at
      // most D after W.
      std::set<std::string> recent;
      for (const Event& e : model.accepted) {
        if (e.event_time >= model.W().time() - model.G - model.A - model.S) recent.insert(e.user_id);
      }
      EXPECT_LE(engine.tracked_users(), recent.size());
      EXPECT_LE(engine.open_windows(),
                CeilDiv(model.D + model.P, model.P) + CeilDiv(model.D + model.A, model.S));
      ++checks;
    }
  }
  EXPECT_GT(checks, 10);
}

// SPEC.md section 2: results depend only on the set of non-late events, not on their arrival order.
// `events` in time order, then shuffled so that no event arrives after one more than D later than itself:
// none is late, and once all are in, the tables are the model's either way.
void ExpectOrderIndependent(const EngineOptions& settings, std::vector<Event> events, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto run = [&](const std::vector<Event>& order) {
    EngineHarness h(settings);
    for (size_t i = 0; i < order.size(); ++i) {
      EXPECT_FALSE(h.Add(order[i]).late) << i;
      if (rng() % 100 == 0) h.Take();
    }
    h.Take();
    return h.table;
  };
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.event_time < b.event_time; });
  Model model(settings);
  for (const Event& e : events) model.Add(e);
  const ResultTable in_order = run(events);
  ExpectSameTables(in_order, model.Tables());
  for (int round = 0; round < 2; ++round) {
    // Arrival key = time + jitter in [0, D]: any event that arrives earlier is at most D later.
    std::vector<std::pair<EventTime, Event>> keyed;
    for (const Event& e : events) {
      keyed.emplace_back(
          e.event_time + Duration::Micros(std::uniform_int_distribution<int64_t>(0, model.D.micros())(rng)),
          e);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Event> shuffled;
    for (auto& [key, e] : keyed) shuffled.push_back(e);
    ASSERT_NE(shuffled, events) << "the shuffle moved no event";
    ExpectSameTables(run(shuffled), in_order);
    if (testing::Test::HasFailure()) return;
  }
}

// ---- The default settings --------------------------------------------------------------------------

struct Scenario {
  std::string name;
  StreamOptions stream;
  bool restore_midway = false;
};

std::vector<Scenario> Scenarios() {
  std::vector<Scenario> scenarios;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    StreamOptions coarse;  // many ties: equal timestamps of different types, exact gaps and window edges
    coarse.resolution = coarse.pace = Duration::Seconds(30);
    coarse.users = 8;
    coarse.marker_fraction = 0.35;
    StreamOptions many_users;
    many_users.resolution = many_users.pace = Duration::Micros(1);
    many_users.users = 600;
    many_users.events = 4000;
    StreamOptions restarts;
    restarts.resolution = restarts.pace = Duration::Seconds(10);
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
  RunAgainstModel(EngineOptions{}, RandomStream(seed, GetParam().stream, EngineOptions{}), seed,
                  GetParam().restore_midway, 97);
}

INSTANTIATE_TEST_SUITE_P(Streams, EngineVsModel, testing::ValuesIn(Scenarios()),
                         [](const testing::TestParamInfo<Scenario>& info) { return info.param.name; });

TEST(DefaultSettings, ShuffleWithinTheDelayGivesTheSameResults) {
  ExpectOrderIndependent(EngineOptions{}, RandomStream(42, StreamOptions{}, EngineOptions{}), 42);
}

// ---- Random settings -------------------------------------------------------------------------------

constexpr uint32_t kSettingsSeeds = 300;
// Event visits of the model per seed, about: what keeps a seed's run to some 10 ms.
constexpr int64_t kModelWork = 60'000;

// Whole seconds, as SPEC.md section 8 has them: one of `edges` one time in three, else log-uniform in
// [1 s, max], so that seconds, minutes and hours all come up.
Duration DrawSeconds(std::mt19937_64& rng, std::initializer_list<int64_t> edges, int64_t max) {
  if (std::bernoulli_distribution(1.0 / 3)(rng)) {
    return Duration::Seconds(edges.begin()[std::uniform_int_distribution<size_t>(0, edges.size() - 1)(rng)]);
  }
  const double log = std::uniform_real_distribution<double>(0, std::log(static_cast<double>(max)))(rng);
  return Duration::Seconds(std::clamp<int64_t>(std::llround(std::exp(log)), 1, max));
}

// What one seed runs.
struct Trial {
  EngineOptions settings;
  int rejected_draws = 0;  // settings drawn before these that EngineOptions::Validate refused
  StreamOptions stream;
  uint64_t stream_seed = 0;
  int mean_batch = 0;
  bool restore_midway = false;
};

// The settings: each duration an edge case (a window that does not divide a minute, as 7 s, 13 s or 90 s;
// a delay of 1 s or 30 min; ...) or log-uniform, A from S itself (tumbling) to past the 32 steps of an
// active user's bitmap (active_users.h); redrawn while Validate refuses them, as `run` would. The stream on
// the settings' own time scale: its clock's pace a fraction of one of the durations, so that across seeds a
// stream spans many windows of one size and part of one of another; times on a grid of 1 us, 1 s or the
// largest duration that divides every setting (ties, gaps of exactly G, events on window edges); some streams
// cross the Unix epoch, some leap across the years.
Trial MakeTrial(uint32_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  Trial trial;
  EngineOptions& s = trial.settings;
  for (;;) {
    s.page_view_window = DrawSeconds(rng, {1, 7, 60, 90, 3600}, 2 * 3600);
    s.active_users_slide = DrawSeconds(rng, {1, 13, 60, 90, 600}, 1800);
    const int64_t r = uniform(0, 19);
    const int64_t multiple = r < 5 ? 1 : r < 8 ? 12 : r == 8 ? uniform(31, 100) : uniform(2, 30);
    s.active_users_window = Duration::Micros(multiple * s.active_users_slide.micros());
    s.session_gap = DrawSeconds(rng, {1, 900, 3600}, 4 * 3600);
    s.allowed_lateness = DrawSeconds(rng, {1, 120, 1800}, 3600);
    if (s.Validate().ok()) break;
    ++trial.rejected_draws;
  }
  const Duration durations[] = {s.page_view_window, s.active_users_window, s.active_users_slide,
                                s.session_gap, s.allowed_lateness};
  int64_t grid = 0;
  for (const Duration d : durations) grid = std::gcd(grid, d.micros());
  StreamOptions& o = trial.stream;
  const int64_t steps = s.active_users_window.micros() / s.active_users_slide.micros();
  o.events = static_cast<int>(uniform(150, steps > 32 ? 300 : 600));
  const int users[] = {1, 4, 30, 200};
  o.users = users[uniform(0, 3)];
  const int64_t resolutions[] = {1, 1'000'000, grid, grid};
  const int64_t res = resolutions[uniform(0, 3)];
  o.resolution = Duration::Micros(res);
  o.pace = Duration::Micros(std::max(res, durations[uniform(0, 4)].micros() / uniform(1, 40) / res * res));
  const double late[] = {0, 0.03, 0.2};
  o.late_fraction = late[uniform(0, 2)];
  const double markers[] = {0.05, 0.2, 0.5};
  o.marker_fraction = markers[uniform(0, 2)];
  const double jumps[] = {0, 0.01, 0.05};
  o.jump_fraction = jumps[uniform(0, 2)];
  if (chance(0.2)) o.start = EventTime::FromMicros(-uniform(0, o.events) * o.pace.micros());
  if (chance(0.1)) o.far_fraction = 0.005;
  o.starts_in_year_1 = chance(0.05);
  trial.stream_seed = rng();
  // The model recomputes every table at each batch, visiting each accepted event once per window of it:
  // batches as short as kModelWork allows, down to single events, but at least 11 of them.
  const int64_t work = int64_t{o.events} * o.events / 2 * (steps + 4);
  trial.mean_batch = static_cast<int>(std::clamp<int64_t>(work / kModelWork + 1, 1, o.events / 22));
  trial.restore_midway = chance(0.3);
  return trial;
}

// The draws cover the cases they are meant to, and Validate accepts most of them: else the seeds would
// test less than this file promises.
TEST(RandomSettingsDraws, CoverTheEdgeCases) {
  const int64_t minute = Duration::Minutes(1).micros();
  std::map<std::string, int> seen;
  int rejected = 0;
  for (uint32_t seed = 1; seed <= kSettingsSeeds; ++seed) {
    const Trial t = MakeTrial(seed);
    const EngineOptions& s = t.settings;
    rejected += t.rejected_draws;
    seen["P not dividing a minute"] += minute % s.page_view_window.micros() != 0;
    seen["S not dividing a minute"] += minute % s.active_users_slide.micros() != 0;
    seen["A = S (tumbling)"] += s.active_users_window == s.active_users_slide;
    seen["A = 12 S"] += s.active_users_window.micros() == 12 * s.active_users_slide.micros();
    seen["A over 32 S"] += s.active_users_window.micros() > 32 * s.active_users_slide.micros();
    seen["G < D"] += s.session_gap < s.allowed_lateness;
    seen["G > A"] += s.session_gap > s.active_users_window;
    seen["D = 1 s"] += s.allowed_lateness == Duration::Seconds(1);
    seen["D >= 30 min"] += s.allowed_lateness >= Duration::Minutes(30);
    seen["stream from before 1970"] += t.stream.start < EventTime::FromMicros(0);
    seen["far-off event times"] += t.stream.far_fraction > 0;
    seen["save and restore"] += t.restore_midway;
  }
  for (const auto& [what, count] : seen) EXPECT_GE(count, 5) << what;
  EXPECT_LE(rejected, static_cast<int>(kSettingsSeeds)) << "Validate refused more than half the draws";
}

// One seed's trial each. A failure names the seed and the settings; --gtest_filter='*/Seed17' runs that
// seed alone.
class RandomSettings : public testing::TestWithParam<uint32_t> {};

TEST_P(RandomSettings, SameTablesAtEveryBatch) {
  const Trial t = MakeTrial(GetParam());
  SCOPED_TRACE("seed " + std::to_string(GetParam()) + ": " + t.settings.ToString());
  RunAgainstModel(t.settings, RandomStream(t.stream_seed, t.stream, t.settings), t.stream_seed,
                  t.restore_midway, t.mean_batch);
}

TEST_P(RandomSettings, ShuffleWithinTheDelayGivesTheSameResults) {
  const Trial t = MakeTrial(GetParam());
  SCOPED_TRACE("seed " + std::to_string(GetParam()) + ": " + t.settings.ToString());
  // Events closer together than D, for the shuffle to have orders to change.
  StreamOptions o = t.stream;
  o.pace = std::max(o.resolution, Duration::Micros(t.settings.allowed_lateness.micros() / 8));
  ExpectOrderIndependent(t.settings, RandomStream(t.stream_seed, o, t.settings), t.stream_seed);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomSettings, testing::Range(1u, kSettingsSeeds + 1),
                         [](const testing::TestParamInfo<uint32_t>& info) {
                           return "Seed" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace clickstream
