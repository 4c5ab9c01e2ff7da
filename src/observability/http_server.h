// The HTTP endpoints of `clickstream run`, on one loopback port (docs/operations.md "HTTP endpoints"):
//   GET /metrics       Prometheus text format (observability/metrics_text.h)
//   GET /healthz       200 "ok" when connected and committing, else 503 with the reason
//   (observability/health.h) GET /              the live dashboard page, embedded in the binary GET
//   /api/summary   the dashboard's data as JSON (observability/dashboard_data.h)
//
// It only reads the pipeline threads' probes; the pipeline knows nothing of it. Requests are served by a few
// worker threads (plus cpp-httplib's accepting thread), so a slow client holds one of them only; the
// dashboard's PostgreSQL connection and the Kafka client of the health check are used by one at a time.
// Every request carries the credentials of `auth` when it requires some (else 401); requests are bounded
// in size (431/413) and in the time their bytes may take (read and write timeouts).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "kafka/client_config.h"
#include "observability/dashboard_data.h"
#include "observability/http_auth.h"
#include "observability/process_probe.h"
#include "postgres/connection.h"

namespace clickstream {

struct HttpOptions {
  std::string address = "127.0.0.1";
  int port = 18080;
  int commit_interval_ms = 200;  // the pipeline's, for /healthz
  kafka::ClientOptions kafka;    // Kafka, asked for metadata by /healthz
  pg::ConnectionOptions db;      // for the dashboard's queries and /healthz
  HttpAuth auth;                 // who may ask; CheckHttpExposure is the caller's
  DashboardSettings settings;    // the pipeline's, shown by the dashboard and /api/summary
};

class HttpServer {
 public:
  // Binds (a port in use is a one-line kInvalidArgument naming the fix) and starts serving.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpOptions& options, const ProcessProbe* probe);
  // Stops serving and joins the threads.
  ~HttpServer();

  int port() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clickstream
