#include "replay/replay.h"

#include <simdjson.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <system_error>
#include <vector>

#include "common/json_writer.h"
#include "engine/parser.h"
#include "engine/partition_engine.h"
#include "engine/result_table.h"
#include "format/event_json.h"

namespace clickstream {
namespace {

// Records are taken in batches so the engine frees final state as it goes.
constexpr int64_t kRecordsPerBatch = 4096;

double Seconds(Duration d) { return static_cast<double>(d.micros()) / 1e6; }

// JSON output must be UTF-8: each byte that does not start a valid sequence becomes U+FFFD.
std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t n = lead < 0x80         ? 1
                     : lead >> 5 == 0x6  ? 2
                     : lead >> 4 == 0xe  ? 3
                     : lead >> 3 == 0x1e ? 4
                                         : 0;
    if (n != 0 && i + n <= s.size() && simdjson::validate_utf8(s.data() + i, n)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xef\xbf\xbd");
      ++i;
    }
  }
  return out;
}

// Writes one JSON object per element of `rows` (write_row(element, writer) adds its fields), one per line.
template <typename Rows, typename WriteRow>
Status WriteJsonLines(const std::filesystem::path& path, const Rows& rows, WriteRow write_row) {
  std::ofstream out(path, std::ios::binary);
  std::string line;
  for (const auto& row : rows) {
    line.clear();
    JsonWriter w(&line);
    w.Begin();
    write_row(row, w);
    w.End();
    line.push_back('\n');
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  out.close();
  if (!out) return Status::IoError("cannot write " + path.string() + ": " + std::strerror(errno));
  return Status::OK();
}

void WriteSessionTimes(const SessionRow& row, JsonWriter& w) {
  w.Field("user_id", row.user_id);
  w.Field("session_start_time", row.session_start_time);
  w.Field("session_end_time", row.session_end_time);
  w.Field("session_duration_seconds", Seconds(row.duration()));
}

struct Rejected {
  RejectReason reason;
  std::string raw;
};

Status WriteTables(const ResultTable& table, const std::vector<Rejected>& rejected,
                   const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create output directory " + dir.string() + ": " + ec.message());
  CS_RETURN_NOT_OK(
      WriteJsonLines(dir / kReplayFiles[0], table.page_view_counts(), [](const auto& entry, JsonWriter& w) {
        const PageViewCountRow& row = entry.second;
        w.Field("window_start", row.window_start);
        w.Field("window_end", row.window_end);
        w.Field("page_url", row.page_url);
        w.Field("view_count", row.view_count);
        w.Field("is_final", row.is_final);
      }));
  CS_RETURN_NOT_OK(
      WriteJsonLines(dir / kReplayFiles[1], table.active_users(), [](const auto& entry, JsonWriter& w) {
        const ActiveUsersRow& row = entry.second;
        w.Field("window_start", row.window_start);
        w.Field("window_end", row.window_end);
        w.Field("active_user_count", row.active_user_count);
        w.Field("is_final", row.is_final);
      }));
  CS_RETURN_NOT_OK(
      WriteJsonLines(dir / kReplayFiles[2], table.sessions(), [](const auto& entry, JsonWriter& w) {
        WriteSessionTimes(entry.second, w);
        w.Field("event_count", entry.second.event_count);
        w.Field("page_view_count", entry.second.page_view_count);
        w.Field("is_final", entry.second.is_final);
      }));
  CS_RETURN_NOT_OK(
      WriteJsonLines(dir / kReplayFiles[3], table.user_sessions(),
                     [](const auto& entry, JsonWriter& w) { WriteSessionTimes(entry.second, w); }));
  CS_RETURN_NOT_OK(
      WriteJsonLines(dir / kReplayFiles[4], table.late_events(), [](const LateEvent& e, JsonWriter& w) {
        WriteEventFields(e.event, &w);
        w.Field("lateness_seconds", Seconds(e.lateness));
      }));
  return WriteJsonLines(dir / kReplayFiles[5], rejected, [](const Rejected& r, JsonWriter& w) {
    w.Field("reason", RejectReasonName(r.reason));
    w.Field("raw", r.reason == RejectReason::kInvalidUtf8 ? ToValidUtf8(r.raw) : r.raw);
  });
}

}  // namespace

std::string ReplaySummary::ToString() const {
  char buf[256];
  std::snprintf(
      buf, sizeof buf, "%lld records: %lld accepted, %lld late, %lld rejected in %.3f s (%.0f events/s)",
      static_cast<long long>(records()), static_cast<long long>(accepted), static_cast<long long>(late),
      static_cast<long long>(rejected), elapsed_seconds, records_per_second());
  return buf;
}

Result<ReplaySummary> Replay(std::istream& input, const std::filesystem::path& output_dir,
                             const EngineOptions& options) {
  CS_RETURN_NOT_OK(options.Validate());
  const auto started = std::chrono::steady_clock::now();
  EventParser parser;
  PartitionEngine engine(options);
  ResultTable table;
  Changes changes;
  std::vector<Rejected> rejected;
  ReplaySummary summary;
  std::string line;
  ParseOutcome outcome;
  while (std::getline(input, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    parser.Parse(line, &outcome);
    if (!outcome.ok()) {
      rejected.push_back({outcome.rejection().reason, line});
      ++summary.rejected;
    } else if (engine.Add(outcome.event()).late) {
      ++summary.late;
    } else {
      ++summary.accepted;
    }
    if (summary.records() % kRecordsPerBatch == 0) {
      engine.TakeChanges(&changes);
      table.Apply(changes);
    }
  }
  if (input.bad()) return Status::IoError(std::string("cannot read the input: ") + std::strerror(errno));
  engine.TakeChanges(&changes);
  table.Apply(changes);
  CS_RETURN_NOT_OK(WriteTables(table, rejected, output_dir));
  summary.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

Result<ReplaySummary> ReplayFile(const std::string& input_path, const std::filesystem::path& output_dir,
                                 const EngineOptions& options) {
  if (input_path == "-") return Replay(std::cin, output_dir, options);
  std::ifstream file(input_path, std::ios::binary);
  if (!file) {
    return Status::NotFound("cannot open input " + input_path + ": " + std::strerror(errno));
  }
  return Replay(file, output_dir, options);
}

}  // namespace clickstream
