#include "service/retention_worker.h"

#include <optional>
#include <string>

#include "common/check.h"
#include "common/log.h"
#include "common/rfc3339.h"
#include "postgres/results_retention.h"

namespace clickstream {
namespace {

constexpr char kLog[] = "retention";
// Rows per DELETE: a few milliseconds of the server's time each.
constexpr int kBatchRows = 5000;

}  // namespace

RetentionWorker::RetentionWorker(pg::ConnectionOptions db, Duration retention,
                                 std::chrono::milliseconds interval, RetentionProbe* probe)
    : db_(std::move(db)), retention_(retention), interval_(interval), probe_(probe) {
  CS_CHECK(retention > Duration::Micros(0)) << "retention " << retention.micros() << " us";
  db_.interrupted = [this] { return stopping_.load(std::memory_order_relaxed); };
  worker_ = std::thread([this] { Work(); });
}

RetentionWorker::~RetentionWorker() {
  {
    MutexLock lock(mu_);
    stopping_.store(true, std::memory_order_relaxed);
  }
  cv_.NotifyAll();
  worker_.join();
}

void RetentionWorker::Work() {
  pg::ResultsRetention retention(retention_, kBatchRows);
  const auto stop = [this] { return stopping_.load(std::memory_order_relaxed); };
  std::optional<pg::Connection> conn;
  bool failing = false;  // the last pass failed: its failure was logged, the next success is
  while (!stop()) {
    Status failure;
    if (!conn || !conn->healthy()) {
      conn.reset();
      auto opened = pg::Connection::Open(db_);
      if (opened.ok()) {
        conn.emplace(std::move(*opened));
      } else {
        failure = opened.status();
      }
    }
    if (conn) {
      const Result<pg::RetentionPass> pass = retention.Run(*conn, stop);
      if (pass.ok()) {
        probe_->deleted_rows.fetch_add(pass->deleted_rows, std::memory_order_relaxed);
        if (pass->cutoff) {
          probe_->cutoff_micros.store(pass->cutoff->micros(), std::memory_order_relaxed);
          probe_->has_cutoff.store(true, std::memory_order_relaxed);
        }
        if (pass->deleted_rows > 0) {
          log::Info(kLog, "deleted {} rows of results and late events older than {}", pass->deleted_rows,
                    FormatRfc3339(*pass->cutoff));
        }
        if (failing) log::Info(kLog, "passes succeed again");
        failing = false;
      } else {
        failure = pass.status();
        conn.reset();  // a pass that failed midway may hold the retention lock: a new session has none
      }
    }
    if (!failure.ok() && !stop()) {
      if (!failing)
        log::Warn(kLog, "pass failed, retrying every {} s: {}", interval_.count() / 1000, failure.message());
      failing = true;
    }
    MutexLock lock(mu_);
    cv_.WaitFor(mu_, interval_, stop);
  }
}

}  // namespace clickstream
