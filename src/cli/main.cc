// clickstream: real-time website activity analytics. See README.md.
#include <malloc.h>

#include <cstdio>

#include "cli/app.h"
#include "cli/command.h"
#include "cli/stop_signal.h"

int main(int argc, char** argv) {
  // Before anything else, so that a stop request during start-up is never a hard kill.
  clickstream::cli::InstallStopHandlers();
  // glibc gives each thread that allocates its own heap (up to 8 per core), and librdkafka runs a dozen
  // threads: memory freed in one heap is not reused by the others. Two heaps bound that waste at no
  // cost in throughput; what it does to peak RSS is in docs/benchmarks.md.
  mallopt(M_ARENA_MAX, 2);
  // Blocks of 4 MiB and more (engine snapshots, the lake's column buffers, Parquet pages) get mappings of
  // their own, returned to the system when freed. By default glibc raises this threshold to the size of
  // every such block freed, after which they come from the heaps and their pages stay resident: 50-60
  // MiB more at the peak of a drain. Lower thresholds (1 MiB and less) catch librdkafka's fetch buffers
  // too, whose mapping and unmapping cost 1 µs of CPU per event.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  const auto app = clickstream::cli::MakeApp();
  try {
    app->parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app->exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    // One line naming the problem and the way to the fix, instead of the whole help text.
    std::fprintf(stderr, "clickstream: %s (see `clickstream %s--help`)\n", e.what(),
                 app->get_subcommands().empty() ? "" : (app->get_subcommands()[0]->get_name() + " ").c_str());
    return clickstream::cli::kExitUsage;
  }
  return 0;
}
