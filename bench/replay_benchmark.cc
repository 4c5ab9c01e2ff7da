// Benchmark of `clickstream replay` under far-off event times (`make bench-replay`): N producer-like
// events (100k users, every 50th 5 minutes late, 1000 events per second of event time) of which a fraction
// carry an event time anywhere in years 0001-9999, replayed as one partition. SPEC.md section 1: memory
// and time per event must not grow with the distance in event time between events.
// Prints events/s and the replay's peak RSS; exits 1 if the replay fails or its peak RSS is over the limit.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/rfc3339.h"
#include "format/event_json.h"
#include "producer/traffic.h"

extern char** environ;

namespace clickstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  std::string binary = "build/clickstream";
  std::string work_dir = "build/bench/replay";
  int64_t events = 1'000'000;
  double far_fraction = 0.01;
  int users = 100'000;
  double max_rss_mb = 256;
};

// Writes the input file: producer traffic, with far_fraction of the events moved anywhere in years
// 0001-9999 (half of them behind the stream, half ahead of it, on average).
void WriteEvents(const Flags& f, const std::filesystem::path& path) {
  TrafficOptions options;
  options.users = f.users;
  TrafficGenerator traffic(options);
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> anywhere(kEarliestTime.micros(), kLatestTime.micros());
  std::bernoulli_distribution far(f.far_fraction);
  EventTime now = *ParseRfc3339("2026-01-30T18:00:00Z");
  std::ofstream out(path, std::ios::binary);
  std::string line;
  for (int64_t i = 0; i < f.events; ++i) {
    now = now + Duration::Micros(static_cast<int64_t>(rng() % 2000));
    bool late = false;
    Event event = traffic.Next(now, &late);
    if (far(rng)) event.event_time = EventTime::FromMicros(anywhere(rng));
    line.clear();
    AppendEventJson(event, &line);
    line.push_back('\n');
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  if (!out.flush()) {
    std::fprintf(stderr, "bench: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

struct Run {
  int status = 0;
  double seconds = 0;
  double peak_rss_mb = 0;
};

Run Replay(const Flags& f, const std::filesystem::path& input, const std::filesystem::path& output) {
  std::vector<std::string> args = {f.binary,       "replay",   "--input",
                                   input.string(), "--output", output.string()};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto started = Clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    std::fprintf(stderr, "bench: cannot start %s\n", f.binary.c_str());
    std::exit(1);
  }
  Run run;
  rusage usage{};
  if (wait4(pid, &run.status, 0, &usage) != pid) std::exit(1);
  run.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  run.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
  return run;
}

int Main(int argc, char** argv) {
  Flags f;
  CLI::App app("clickstream replay under far-off event times: events/s and peak RSS");
  app.add_option("--binary", f.binary, "The clickstream binary to measure")->capture_default_str();
  app.add_option("--work-dir", f.work_dir, "Where the input and the replay's output go")
      ->capture_default_str();
  app.add_option("--events", f.events, "Events to replay")->capture_default_str();
  app.add_option("--far-fraction", f.far_fraction, "Share of events dated anywhere in years 0001-9999")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--users", f.users, "Distinct users")->capture_default_str();
  app.add_option("--max-rss-mb", f.max_rss_mb, "Fail above this peak RSS")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const std::filesystem::path dir(f.work_dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path input = dir / "events.jsonl";
  WriteEvents(f, input);
  const Run run = Replay(f, input, dir / "out");
  const bool ok = WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0;
  const double eps = static_cast<double>(f.events) / run.seconds;
  std::printf("%-44s %14lld\n", "events", static_cast<long long>(f.events));
  std::printf("%-44s %14.2f\n", "far-off share", f.far_fraction);
  std::printf("%-44s %14s\n", "replay",
              ok                        ? "ok"
              : WIFSIGNALED(run.status) ? "killed by a signal"
                                        : "failed");
  std::printf("%-44s %14.0f\n", "events/s (wall, output files included)", eps);
  std::printf("%-44s %14.1f\n", "peak RSS, MiB", run.peak_rss_mb);
  std::printf("{\"events\":%lld,\"far_fraction\":%.3f,\"ok\":%s,\"eps\":%.0f,\"peak_rss_mb\":%.1f}\n",
              static_cast<long long>(f.events), f.far_fraction, ok ? "true" : "false", eps, run.peak_rss_mb);
  if (!ok) return 1;
  if (run.peak_rss_mb > f.max_rss_mb) {
    std::fprintf(stderr, "bench: peak RSS %.1f MiB is over %.0f MiB\n", run.peak_rss_mb, f.max_rss_mb);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace clickstream::bench

int main(int argc, char** argv) { return clickstream::bench::Main(argc, argv); }
