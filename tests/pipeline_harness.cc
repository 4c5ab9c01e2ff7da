#include "pipeline_harness.h"

#include <algorithm>
#include <random>

#include "common/rfc3339.h"
#include "engine/partition_engine.h"
#include "engine/result_table.h"

namespace clickstream::testing {

std::vector<Record> KnownStream(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const EventTime base = *ParseRfc3339("2026-03-01T10:00:00Z");
  const char* pages[] = {"https://example.com/home", "https://example.com/products", "https://example.com/cart"};
  const char* invalid[] = {"not json", "[1,2]", "{}",
                           R"({"event_time":"2026-03-01T10:00:00","user_id":"user_1","page_url":"p","event_type":"click"})",
                           R"({"event_time":"2026-03-01T10:00:00Z","user_id":7,"page_url":"p","event_type":"click"})",
                           R"({"event_time":"2026-03-01T10:00:00Z","user_id":"user_1","page_url":"p","event_type":"scroll"})"};
  std::vector<Record> out;
  EventTime clock = base;
  for (size_t i = 0; i < n; ++i) {
    clock = clock + Duration::Micros(static_cast<int64_t>(rng() % 400'000));
    const std::string user = "user_" + std::to_string(rng() % 60);
    const uint64_t roll = rng() % 1000;
    if (roll < 10) {
      out.push_back({user, invalid[rng() % std::size(invalid)]});
      continue;
    }
    Event e;
    e.user_id = user;
    e.page_url = pages[rng() % std::size(pages)];
    const uint64_t t = rng() % 100;
    e.event_type = t < 55 ? EventType::kPageView : t < 85 ? EventType::kClick : t < 93 ? EventType::kSessionStart
                                                                                      : EventType::kSessionEnd;
    e.event_time = roll < 30 ? clock - Duration::Minutes(5)
                             : clock - Duration::Micros(static_cast<int64_t>(rng() % 90'000'000));
    std::string value;
    AppendEventJson(e, &value);
    out.push_back({user, value});
  }
  return out;
}

namespace {

std::string Ts(EventTime t) { return FormatRfc3339(t); }

constexpr const char* kTs = R"('YYYY-MM-DD"T"HH24:MI:SS.US"Z"')";

}  // namespace

Expected Compute(const std::string& input_topic, size_t produced) {
  auto input = ConsumeAll(input_topic, produced, 60);
  EXPECT_EQ(input.size(), produced);
  std::sort(input.begin(), input.end(),
            [](const auto& a, const auto& b) { return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset); });
  Expected x;
  EventParser parser;
  struct Sum {
    int64_t count = 0;
    bool is_final = true;
  };
  std::map<std::string, Sum> pvc, au;
  std::map<int32_t, std::unique_ptr<PartitionEngine>> engines;
  for (const auto& r : input) {
    auto& engine = engines[r.partition];
    if (!engine) engine = std::make_unique<PartitionEngine>(EngineOptions{});
    ParseOutcome o = parser.Parse(r.value);
    if (!o.ok()) {
      x.dlq.insert(r.value + "|" + std::string(RejectReasonName(o.rejection().reason)) + "|" +
                   std::to_string(r.partition) + "|" + std::to_string(r.offset));
      continue;
    }
    const Admission a = engine->Add(o.event());
    std::string enriched;
    AppendEventJson(o.event(), &enriched);
    x.enriched.insert(enriched + (a.late ? "|late" : "|on-time"));
    ++x.lake_rows;
    if (a.late) {
      x.late_events.insert(std::to_string(r.partition) + "|" + std::to_string(r.offset) + "|" +
                           std::to_string(a.lateness.micros()));
    }
  }
  for (auto& [partition, engine] : engines) {
    Changes changes;
    engine->TakeChanges(&changes);
    ResultTable table;
    table.Apply(changes);
    for (const auto& [key, row] : table.page_view_counts()) {
      Sum& s = pvc[Ts(row.window_start) + "|" + Ts(row.window_end) + "|" + row.page_url];
      s.count += row.view_count;
      s.is_final = s.is_final && row.is_final;
    }
    for (const auto& [key, row] : table.active_users()) {
      Sum& s = au[Ts(row.window_start) + "|" + Ts(row.window_end)];
      s.count += row.active_user_count;
      s.is_final = s.is_final && row.is_final;
    }
    auto session = [](const SessionRow& s) {
      return s.user_id + "|" + Ts(s.session_start_time) + "|" + Ts(s.session_end_time) + "|" +
             std::to_string(s.event_count) + "|" + std::to_string(s.page_view_count) + "|" + (s.is_final ? "t" : "f");
    };
    for (const auto& [key, row] : table.sessions()) x.sessions.insert(session(row));
    for (const auto& [key, row] : table.user_sessions()) x.user_sessions.insert(session(row));
  }
  for (const auto& [k, s] : pvc) x.page_view_counts.insert(k + "|" + std::to_string(s.count) + "|" + (s.is_final ? "t" : "f"));
  for (const auto& [k, s] : au) x.active_users.insert(k + "|" + std::to_string(s.count) + "|" + (s.is_final ? "t" : "f"));
  return x;
}

std::string TsSql(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + kTs + ")";
}

Rows QueryRows(pg::Connection& db, const std::string& sql) {
  Rows rows;
  auto res = db.Query(sql);
  EXPECT_TRUE(res.ok()) << res.status().message();
  if (!res.ok()) return rows;
  for (int i = 0; i < res->rows(); ++i) rows.insert(std::string(res->text(i, 0)));
  return rows;
}

void ResetTables(pg::Connection& db) {
  ASSERT_TRUE(db.Exec("DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = "
                      "'public' LOOP EXECUTE format('TRUNCATE %I', t); END LOOP; END $$")
                  .ok());
}

// A pipeline under test with its own topics, group and lake.

}  // namespace clickstream::testing
