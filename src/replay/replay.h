// `clickstream replay`: runs one PartitionEngine over a JSON Lines file in file order (one partition)
// and writes the resulting tables as JSON Lines files. Used for backfills and to check a pipeline
// offline: the streaming service gives the same results for the same per-partition input.
//
// Unlike the engine this does file I/O; it lives in its own library (clickstream_replay).
// Thread safety: functions without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/options.h"

namespace clickstream {

struct ReplaySummary {
  int64_t accepted = 0;  // valid and on time
  int64_t late = 0;      // valid but before the watermark
  int64_t rejected = 0;  // not a valid record (SPEC.md section 1)
  double elapsed_seconds = 0;

  int64_t records() const { return accepted + late + rejected; }
  double records_per_second() const { return elapsed_seconds > 0 ? records() / elapsed_seconds : 0; }
  // "12 records: 10 accepted, 1 late, 1 rejected in 0.001 s (12000 events/s)"
  std::string ToString() const;
};

// The files written into the output directory.
inline constexpr std::string_view kReplayFiles[] = {"page_view_counts.jsonl", "active_users.jsonl",
                                                    "sessions.jsonl",         "user_sessions.jsonl",
                                                    "late_events.jsonl",      "rejected.jsonl"};

// Reads records (one per line; empty lines are skipped, a trailing '\r' is dropped) from `input`, runs the
// engine, and writes the six files into `output_dir` (created if missing). Rows are sorted by key: windows
// by (window_start, page_url), sessions by (user_id, session_start_time), user_sessions by user_id; late
// and rejected records in input order. Timestamps are RFC 3339 UTC with six fraction digits.
// Fails with IoError if the directory or a file cannot be written.
[[nodiscard]] Result<ReplaySummary> Replay(std::istream& input, const std::filesystem::path& output_dir,
                                           const EngineOptions& options = {});

// The same from a file path, or from standard input when `input_path` is "-". Fails with NotFound or
// IoError if the input cannot be opened or read.
[[nodiscard]] Result<ReplaySummary> ReplayFile(const std::string& input_path,
                                               const std::filesystem::path& output_dir,
                                               const EngineOptions& options = {});

}  // namespace clickstream
