#include "observability/dashboard_data.h"

#include <algorithm>
#include <cstdio>

#include "common/duration_text.h"
#include "common/json_writer.h"

namespace clickstream {
namespace {

// Minutes of results the page shows, ending at the newest window (or now, whichever is earlier, so
// that one event from the far future does not hide the present).
constexpr const char* kMinutes = "30";

constexpr const char* kPageViewsSql = R"sql(
SELECT extract(epoch FROM window_start)::bigint, page_url, view_count
FROM page_view_counts
WHERE window_start > least((SELECT max(window_start) FROM page_view_counts), now()) - make_interval(mins => $1::int)
ORDER BY window_start, page_url)sql";

constexpr const char* kActiveUsersSql = R"sql(
SELECT extract(epoch FROM window_start)::bigint, active_user_count, is_final
FROM active_users
WHERE window_start > least((SELECT max(window_start) FROM active_users), now()) - make_interval(mins => $1::int)
ORDER BY window_start)sql";

void Number(std::string* out, double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  *out += buf;
}

// The "settings" object of the summary: in seconds ("results_retention_seconds": null for forever) and
// as the flags take them ("text").
std::string SettingsJson(const DashboardSettings& settings) {
  std::string json;
  JsonWriter sw(&json);
  sw.Begin();
  const EngineOptions& a = settings.analytics;
  const auto seconds = [](Duration d) { return d.micros() / 1'000'000; };
  sw.Field("page_view_window_seconds", seconds(a.page_view_window));
  sw.Field("active_users_window_seconds", seconds(a.active_users_window));
  sw.Field("active_users_slide_seconds", seconds(a.active_users_slide));
  sw.Field("session_gap_seconds", seconds(a.session_gap));
  sw.Field("watermark_delay_seconds", seconds(a.allowed_lateness));
  if (settings.results_retention) {
    sw.Field("results_retention_seconds", seconds(*settings.results_retention));
  } else {
    sw.RawMembers("\"results_retention_seconds\":null");
  }
  sw.Field("text", a.ToString() + ", results kept " + FormatRetention(settings.results_retention));
  sw.End();
  return json;
}

}  // namespace

// The most recently started sessions, served by the index session_history_by_start (sql/init-db.sql) under
// the view, not by a sort of the history.
const char kRecentSessionsSql[] = R"sql(
SELECT user_id, extract(epoch FROM session_start_time)::float8, extract(epoch FROM session_end_time)::float8,
       session_duration_seconds, event_count, page_view_count, is_final
FROM user_sessions
ORDER BY session_start_time DESC
LIMIT $1::int)sql";

DashboardData::DashboardData(pg::ConnectionOptions db, const DashboardSettings& settings)
    : db_options_(std::move(db)), settings_json_(SettingsJson(settings)) {}

Status DashboardData::Connect() {
  if (db_ && db_->healthy()) return Status::OK();
  db_.reset();
  pg::ConnectionOptions options = db_options_;
  // The page and /healthz answer quickly even when the server does not.
  options.timeout_ms = std::min(options.timeout_ms, 3000);
  CS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(options));
  db_.emplace(std::move(conn));
  return Status::OK();
}

Status DashboardData::Ping() {
  Status st = Connect();
  if (st.ok()) st = db_->Exec("SELECT 1");
  if (!st.ok()) db_.reset();
  return st;
}

Status DashboardData::AppendResults(std::string* out) {
  CS_RETURN_NOT_OK(Connect());
  CS_ASSIGN_OR_RETURN(pg::QueryResult views, db_->Query(kPageViewsSql, {kMinutes}));
  CS_ASSIGN_OR_RETURN(pg::QueryResult users, db_->Query(kActiveUsersSql, {kMinutes}));
  CS_ASSIGN_OR_RETURN(pg::QueryResult sessions, db_->Query(kRecentSessionsSql, {"12"}));
  *out += ",\"page_views\":[";
  for (int i = 0; i < views.rows(); ++i) {
    *out += i ? ",[" : "[";
    *out += views.text(i, 0);
    *out += ',';
    AppendJsonString(views.text(i, 1), out);
    *out += ',';
    *out += views.text(i, 2);
    *out += ']';
  }
  *out += "],\"active_users\":[";
  for (int i = 0; i < users.rows(); ++i) {
    *out += i ? ",[" : "[";
    *out += users.text(i, 0);
    *out += ',';
    *out += users.text(i, 1);
    *out += users.text(i, 2) == "t" ? ",true]" : ",false]";
  }
  *out += "],\"sessions\":[";
  for (int i = 0; i < sessions.rows(); ++i) {
    std::string row;
    JsonWriter w(&row);
    w.Begin();
    w.Field("user_id", sessions.text(i, 0));
    w.Field("start", std::stod(std::string(sessions.text(i, 1))));
    w.Field("end", std::stod(std::string(sessions.text(i, 2))));
    w.Field("duration_seconds", std::stod(std::string(sessions.text(i, 3))));
    w.Field("events", static_cast<int64_t>(std::stoll(std::string(sessions.text(i, 4)))));
    w.Field("page_views", static_cast<int64_t>(std::stoll(std::string(sessions.text(i, 5)))));
    w.Field("active", sessions.text(i, 6) != "t");
    w.End();
    if (i) *out += ',';
    *out += row;
  }
  *out += ']';
  return Status::OK();
}

std::string DashboardData::SummaryJson(const PipelineProbe& p, int64_t now_unix_micros) {
  std::string out = "{\"now\":";
  Number(&out, static_cast<double>(now_unix_micros) / 1e6);
  out += ",\"settings\":" + settings_json_;
  std::string pipeline;
  JsonWriter w(&pipeline);
  w.Begin();
  w.Field("consumed", p.consumed.load(std::memory_order_relaxed));
  w.Field("accepted", p.accepted.load(std::memory_order_relaxed));
  w.Field("late", p.late.load(std::memory_order_relaxed));
  w.Field("rejected", p.rejected_total());
  w.Field("misrouted", p.misrouted.load(std::memory_order_relaxed));
  w.Field("commits", p.commits.load(std::memory_order_relaxed));
  w.Field("sink_errors", p.commit_failures.load(std::memory_order_relaxed) +
                             p.kafka_errors.load(std::memory_order_relaxed) +
                             p.lake_errors.load(std::memory_order_relaxed));
  w.Field("last_commit_ms", static_cast<double>(p.last_commit_micros.load(std::memory_order_relaxed)) / 1e3);
  w.Field("rebalances", p.rebalances.load(std::memory_order_relaxed));
  w.End();
  out += ",\"pipeline\":" + pipeline;
  out += ",\"rejected_by_reason\":{";
  bool first = true;
  for (size_t i = 0; i < PipelineProbe::kReasons; ++i) {
    const int64_t n = p.rejected[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonString(RejectReasonName(static_cast<RejectReason>(i)), &out);
    out += ':' + std::to_string(n);
  }
  out += '}';
  // The JSON objects `write` makes of each entry of `entries`, as an array named `name`.
  const auto append_array = [&out](const char* name, const auto& entries, const auto& write) {
    out += ",\"";
    out += name;
    out += "\":[";
    bool first_row = true;
    for (const auto& [key, value] : entries) {
      std::string row;
      JsonWriter rw(&row);
      rw.Begin();
      write(key, value, rw);
      rw.End();
      out += (first_row ? "" : ",") + row;
      first_row = false;
    }
    out += ']';
  };
  append_array("partitions", p.partitions(), [](int32_t id, const PartitionGauges& g, JsonWriter& pw) {
    pw.Field("partition", static_cast<int64_t>(id));
    pw.Field("thread", static_cast<int64_t>(g.thread));
    pw.Field("lag", g.lag);
    if (g.has_watermark) pw.Field("watermark", static_cast<double>(g.watermark_micros) / 1e6);
    pw.Field("committed_offset", g.committed_offset);
    pw.Field("open_windows", g.open_windows);
    pw.Field("open_sessions", g.open_sessions);
  });
  append_array("threads", p.threads(), [](int thread, const ThreadGauges& t, JsonWriter& tw) {
    tw.Field("thread", static_cast<int64_t>(thread));
    tw.Field("member_id", t.member_id);
    tw.Field("partitions", t.partitions);
  });
  const size_t before = out.size();
  const Status st = AppendResults(&out);
  if (!st.ok()) {
    out.resize(before);
    db_.reset();
    out += ",\"page_views\":[],\"active_users\":[],\"sessions\":[],\"db_error\":";
    AppendJsonString(st.message(), &out);
  }
  out += '}';
  return out;
}

}  // namespace clickstream
