#include "engine/replay.h"

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
    const size_t n = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xe ? 3 : lead >> 3 == 0x1e ? 4 : 0;
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

// One output file: rows are appended as JSON objects, one per line.
class JsonLinesFile {
 public:
  explicit JsonLinesFile(const std::filesystem::path& path) : path_(path), out_(path, std::ios::binary) {}

  // Begins a row; fields go to the returned writer, End() is called by EndRow().
  JsonWriter& BeginRow() {
    line_.clear();
    writer_ = JsonWriter(&line_);
    writer_.Begin();
    return writer_;
  }
  void EndRow() {
    writer_.End();
    line_.push_back('\n');
    out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  }
  [[nodiscard]] Status Close() {
    out_.close();
    if (!out_) return Status::IoError("cannot write " + path_.string() + ": " + std::strerror(errno));
    return Status::OK();
  }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  std::string line_;
  JsonWriter writer_{&line_};
};

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
  JsonLinesFile views(dir / kReplayFiles[0]);
  for (const auto& [key, row] : table.page_view_counts()) {
    JsonWriter& w = views.BeginRow();
    w.Field("window_start", row.window_start);
    w.Field("window_end", row.window_end);
    w.Field("page_url", row.page_url);
    w.Field("view_count", row.view_count);
    w.Field("is_final", row.is_final);
    views.EndRow();
  }
  RETURN_NOT_OK(views.Close());
  JsonLinesFile active(dir / kReplayFiles[1]);
  for (const auto& [key, row] : table.active_users()) {
    JsonWriter& w = active.BeginRow();
    w.Field("window_start", row.window_start);
    w.Field("window_end", row.window_end);
    w.Field("active_user_count", row.active_user_count);
    w.Field("is_final", row.is_final);
    active.EndRow();
  }
  RETURN_NOT_OK(active.Close());
  JsonLinesFile sessions(dir / kReplayFiles[2]);
  for (const auto& [key, row] : table.sessions()) {
    JsonWriter& w = sessions.BeginRow();
    WriteSessionTimes(row, w);
    w.Field("event_count", row.event_count);
    w.Field("page_view_count", row.page_view_count);
    w.Field("is_final", row.is_final);
    sessions.EndRow();
  }
  RETURN_NOT_OK(sessions.Close());
  JsonLinesFile latest(dir / kReplayFiles[3]);
  for (const auto& [user, row] : table.user_sessions()) {
    WriteSessionTimes(row, latest.BeginRow());
    latest.EndRow();
  }
  RETURN_NOT_OK(latest.Close());
  JsonLinesFile late(dir / kReplayFiles[4]);
  for (const LateEvent& e : table.late_events()) {
    JsonWriter& w = late.BeginRow();
    WriteEventFields(e.event, &w);
    w.Field("lateness_seconds", Seconds(e.lateness));
    late.EndRow();
  }
  RETURN_NOT_OK(late.Close());
  JsonLinesFile rejects(dir / kReplayFiles[5]);
  for (const Rejected& r : rejected) {
    JsonWriter& w = rejects.BeginRow();
    w.Field("reason", RejectReasonName(r.reason));
    w.Field("raw", r.reason == RejectReason::kInvalidUtf8 ? ToValidUtf8(r.raw) : r.raw);
    rejects.EndRow();
  }
  return rejects.Close();
}

}  // namespace

std::string ReplaySummary::ToString() const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%lld records: %lld accepted, %lld late, %lld rejected in %.3f s (%.0f events/s)",
                static_cast<long long>(records()), static_cast<long long>(accepted), static_cast<long long>(late),
                static_cast<long long>(rejected), elapsed_seconds, records_per_second());
  return buf;
}

Result<ReplaySummary> Replay(std::istream& input, const std::filesystem::path& output_dir,
                             const EngineOptions& options) {
  RETURN_NOT_OK(options.Validate());
  const auto started = std::chrono::steady_clock::now();
  EventParser parser;
  PartitionEngine engine(options);
  ResultTable table;
  Changes changes;
  std::vector<Rejected> rejected;
  ReplaySummary summary;
  std::string line;
  while (std::getline(input, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const ParseOutcome outcome = parser.Parse(line);
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
  RETURN_NOT_OK(WriteTables(table, rejected, output_dir));
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
