// Events per second of the parser alone (JSON, and the same events as Avro in the wire format), of
// parser + engine and of the engine alone, over 1M records shaped like the producer's traffic: 100k users,
// six pages, mostly page_view/click, every 50th event 5 minutes late, event times advancing like real time
// (1000 events per second, microsecond timestamps); and the engine's snapshot of the state they leave.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "common/rfc3339.h"
#include "engine/avro_parser.h"
#include "engine/parser.h"
#include "engine/partition_engine.h"
#include "format/event_avro.h"

namespace clickstream {
namespace {

constexpr int kRecords = 1'000'000;
constexpr int kUsers = 100'000;
constexpr int kRecordsPerCommit = 10'000;  // TakeChanges cadence, like a service committing every 10 ms

const std::vector<std::string>& Records() {
  static const std::vector<std::string> records = [] {
    const char* pages[] = {"home", "products", "cart", "checkout", "about", "contact"};
    std::mt19937_64 rng(1);
    std::vector<std::string> out;
    out.reserve(kRecords);
    EventTime now = *ParseRfc3339("2026-01-30T18:00:00Z");
    for (int i = 0; i < kRecords; ++i) {
      now = now + Duration::Micros(static_cast<int64_t>(rng() % 2000));
      const uint64_t r = rng() % 100;
      const char* type = r < 60 ? "page_view" : r < 90 ? "click" : r < 95 ? "session_start" : "session_end";
      std::string record;
      JsonWriter w(&record);
      w.Begin();
      w.Field("event_time", i % 50 == 49 ? now - Duration::Minutes(5) : now);
      w.Field("user_id", "user_" + std::to_string(1 + rng() % kUsers));
      w.Field("page_url", std::string("https://example.com/") + pages[rng() % 6]);
      w.Field("event_type", type);
      w.End();
      out.push_back(std::move(record));
    }
    return out;
  }();
  return records;
}

double MeanBytes(const std::vector<std::string>& records) {
  int64_t bytes = 0;
  for (const std::string& record : records) bytes += static_cast<int64_t>(record.size());
  return static_cast<double>(bytes) / static_cast<double>(records.size());
}

// The parser alone over `records`.
void ParseAll(benchmark::State& state, const std::vector<std::string>& records) {
  EventParser parser;
  ParseOutcome outcome;  // reused, as the pipeline does
  for (auto _ : state) {
    int64_t ok = 0;
    for (const std::string& record : records) {
      parser.Parse(record, &outcome);
      ok += outcome.ok();
    }
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.counters["bytes_per_record"] = MeanBytes(records);
}

void BM_Parse(benchmark::State& state) { ParseAll(state, Records()); }
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);

// Records() with the members real producers add besides the four fields (Event::attributes): scalars,
// an object and an array, 158 bytes more per record.
void BM_ParseWithAttributes(benchmark::State& state) {
  static const std::vector<std::string> records = [] {
    std::vector<std::string> out;
    out.reserve(kRecords);
    for (const std::string& record : Records()) {
      out.push_back(R"({"referrer":"https://search.example/?q=shoes",)"
                    R"("user_agent":"Mozilla/5.0 X11 Linux x86_64",)"
                    R"("props":{"device":"mobile","ab":[1,2]},"price":19.99,"campaign":null,)" +
                    record.substr(1));
    }
    return out;
  }();
  ParseAll(state, records);
}
BENCHMARK(BM_ParseWithAttributes)->Unit(benchmark::kMillisecond);

// Records() as `clickstream produce --format avro` writes them.
const std::vector<std::string>& AvroRecords() {
  static const std::vector<std::string> records = [] {
    EventParser parser;
    auto writer = EventAvroWriter::Create(1);
    std::vector<std::string> out;
    out.reserve(kRecords);
    for (const std::string& json : Records()) {
      out.emplace_back();
      (*writer)->Append(parser.Parse(json).event(), &out.back());
    }
    return out;
  }();
  return records;
}

// What the pipeline does per Avro record once the writer schema is cached: read the header, decode.
void BM_ParseAvro(benchmark::State& state) {
  const auto& records = AvroRecords();
  auto decoder = AvroRecordDecoder::Create(kEventAvroSchema);
  for (auto _ : state) {
    int64_t ok = 0;
    for (const std::string& record : records) {
      ok += (*decoder)->Decode(std::get<AvroFrame>(ReadAvroFrame(record)).body).ok();
    }
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.counters["bytes_per_record"] = MeanBytes(records);
}
BENCHMARK(BM_ParseAvro)->Unit(benchmark::kMillisecond);

void BM_ParseAndEngine(benchmark::State& state) {
  const auto& records = Records();
  EventParser parser;
  ParseOutcome outcome;
  Changes changes;
  int64_t late = 0;
  for (auto _ : state) {
    PartitionEngine engine{EngineOptions{}};
    for (int i = 0; i < kRecords; ++i) {
      parser.Parse(records[i], &outcome);
      late += engine.Add(outcome.event()).late;
      if (i % kRecordsPerCommit == kRecordsPerCommit - 1) engine.TakeChanges(&changes);
    }
    engine.TakeChanges(&changes);
    state.counters["tracked_users"] = static_cast<double>(engine.tracked_users());
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.counters["late_fraction"] =
      static_cast<double>(late) / static_cast<double>(state.iterations() * kRecords);
}
BENCHMARK(BM_ParseAndEngine)->Unit(benchmark::kMillisecond);

// The engine alone, over the same events parsed beforehand.
void BM_Engine(benchmark::State& state) {
  static const std::vector<Event> events = [] {
    EventParser parser;
    std::vector<Event> out;
    out.reserve(kRecords);
    for (const std::string& record : Records()) out.push_back(parser.Parse(record).event());
    return out;
  }();
  Changes changes;
  for (auto _ : state) {
    PartitionEngine engine{EngineOptions{}};
    for (int i = 0; i < kRecords; ++i) {
      benchmark::DoNotOptimize(engine.Add(events[i]));
      if (i % kRecordsPerCommit == kRecordsPerCommit - 1) engine.TakeChanges(&changes);
    }
    engine.TakeChanges(&changes);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_Engine)->Unit(benchmark::kMillisecond);

// The engine's snapshot, taken at every lake seal of a partition, after the 1M events (100k users).
void BM_SaveState(benchmark::State& state) {
  EventParser parser;
  PartitionEngine engine{EngineOptions{}};
  Changes changes;
  for (const std::string& record : Records()) (void)engine.Add(parser.Parse(record).event());
  engine.TakeChanges(&changes);
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string snapshot = engine.SaveState();
    bytes = snapshot.size();
    benchmark::DoNotOptimize(snapshot.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["snapshot_mib"] = static_cast<double>(bytes) / (1 << 20);
  state.counters["tracked_users"] = static_cast<double>(engine.tracked_users());
}
BENCHMARK(BM_SaveState)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace clickstream

BENCHMARK_MAIN();
