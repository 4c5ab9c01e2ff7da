// Throughput of the lake sink: rows/s appended and sealed, and bytes per row on disk.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lake/lake_writer.h"

namespace clickstream {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRows = 1'000'000;

void BM_AppendAndSeal(benchmark::State& state) {
  const fs::path root = fs::temp_directory_path() / ("lake_writer_benchmark_" + std::to_string(::getpid()));
  LakeOptions options;
  options.root = root.string();
  options.writer_id = "bench";
  options.compression = static_cast<LakeCompression>(state.range(0));
  // Realistic values: a few thousand users and pages, times a few ms apart spanning a midnight.
  std::vector<std::string> users;
  std::vector<std::string> urls;
  for (int i = 0; i < 5000; ++i) users.push_back("user_" + std::to_string(i * 7919 % 100'000));
  for (int i = 0; i < 2000; ++i)
    urls.push_back("https://shop.example.com/products/" + std::to_string(i * 31));
  const EventTime start = EventTime::FromMicros(1'772'406'000'000'000);  // 2026-03-01T23:00:00Z

  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(root);
    auto writer = std::move(LakeWriter::Open(options)).value();
    state.ResumeTiming();
    for (int64_t i = 0; i < kRows; ++i) {
      const EventTime t = start + Duration::Micros(i * 5000);
      const LakeRow row{
          t,           users[i % users.size()],  urls[(i * 13) % urls.size()], static_cast<EventType>(i % 4),
          i % 50 == 0, t + Duration::Micros(800)};
      if (!writer->Append(Partition(0), Offset(i), row).ok()) state.SkipWithError("append failed");
    }
    auto batch = writer->Seal(Partition(0));
    if (!batch.ok()) state.SkipWithError(batch.status().message().c_str());
    state.PauseTiming();
    bytes = 0;
    for (const std::string& file : (*batch)->files) bytes += static_cast<int64_t>(fs::file_size(root / file));
    state.ResumeTiming();
  }
  fs::remove_all(root);
  state.SetItemsProcessed(state.iterations() * kRows);
  state.counters["bytes_per_row"] = static_cast<double>(bytes) / kRows;
}
BENCHMARK(BM_AppendAndSeal)
    ->Arg(static_cast<int>(LakeCompression::kZstd))
    ->Arg(static_cast<int>(LakeCompression::kSnappy))
    ->ArgName("codec(0=zstd,1=snappy)")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace clickstream

BENCHMARK_MAIN();
