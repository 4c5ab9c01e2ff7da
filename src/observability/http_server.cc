#include "observability/http_server.h"

#include <httplib.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <thread>

#include "common/mutex.h"
#include "common/wall_clock.h"
#include "kafka/client_config.h"
#include "observability/dashboard_data.h"
#include "observability/health.h"
#include "observability/metrics_text.h"

namespace clickstream {

// dashboard.html, embedded by CMake (cmake/embed_text.cmake writes dashboard_page.cc).
extern const unsigned char kDashboardHtml[];
extern const unsigned long kDashboardHtml_size;

namespace {

int64_t UnixMicros() { return WallClockNow().micros(); }

// Workers: a slow or stalled client holds one until its read timeout; the others keep answering.
constexpr size_t kWorkers = 4;
// Requests are GETs: no body worth the name, and headers as a browser or Prometheus sends them.
// (cpp-httplib itself bounds each header line and the request line to 8 KiB.)
constexpr size_t kMaxBodyBytes = 4096;
constexpr size_t kMaxHeaderCount = 64;
constexpr size_t kMaxHeaderBytes = 16384;

bool HeadersTooLarge(const httplib::Request& req) {
  size_t bytes = 0;
  for (const auto& [name, value] : req.headers) bytes += name.size() + value.size() + 4;
  return req.headers.size() > kMaxHeaderCount || bytes > kMaxHeaderBytes;
}

}  // namespace

struct HttpServer::Impl {
  Impl(const HttpOptions& o, const ProcessProbe* p) : options(o), probe(p), dashboard(o.db, o.settings) {}

  // Whether a Kafka broker answers a metadata request within 2 s, through a client of our own: the
  // pipeline's consumer does not tell when an idle connection comes back.
  Status PingKafka() REQUIRES(backends) {
    if (!kafka) {
      CS_ASSIGN_OR_RETURN(auto conf, kafka::MakeConf(options.kafka, {{"log_level", "0"}}));
      std::string err;
      kafka.reset(RdKafka::Producer::create(conf.get(), err));
      if (!kafka) return Status::Unavailable("kafka: " + err);
    }
    return kafka::CheckReachable(kafka.get(), options.kafka.bootstrap_servers, 2000);
  }

  // The process's figures now: its threads' probes read as one.
  std::unique_ptr<PipelineProbe> Figures() const {
    auto figures = std::make_unique<PipelineProbe>();
    probe->Aggregate(figures.get());
    return figures;
  }

  HttpOptions options;
  const ProcessProbe* probe;
  Mutex backends;  // one connection to each backend, one user at a time
  DashboardData dashboard GUARDED_BY(backends);
  httplib::Server server;
  std::unique_ptr<RdKafka::Producer> kafka GUARDED_BY(backends);
  std::thread thread;
  int port = 0;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& options, const ProcessProbe* probe) {
  auto impl = std::make_unique<Impl>(options, probe);
  httplib::Server& s = impl->server;
  s.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  // Short keep-alive, so idle browser connections do not hold workers for long.
  s.set_keep_alive_max_count(20);
  s.set_keep_alive_timeout(1);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_payload_max_length(kMaxBodyBytes);
  Impl* self = impl.get();
  s.set_pre_routing_handler([self](const httplib::Request& req, httplib::Response& res) {
    if (HeadersTooLarge(req)) {
      res.status = 431;
      res.set_content("request headers too large\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!Authorized(self->options.auth, req.get_header_value("Authorization"))) {
      res.status = 401;
      if (!self->options.auth.basic_credentials.empty()) {
        res.set_header("WWW-Authenticate", "Basic realm=\"clickstream\"");
      }
      res.set_content("unauthorized\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderMetrics(*self->Figures(), UnixMicros()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get("/healthz", [self](const httplib::Request&, httplib::Response& res) {
    Health h = CheckHealth(*self->Figures(), self->options.commit_interval_ms, UnixMicros());
    MutexLock lock(self->backends);
    if (h.ok) {
      // An idle pipeline touches neither server: ask them directly.
      const Status db = self->dashboard.Ping();
      if (!db.ok()) h = {false, "PostgreSQL unreachable: " + db.message()};
    }
    if (h.ok) {
      const Status kafka = self->PingKafka();
      if (!kafka.ok()) h = {false, kafka.message()};
    }
    res.status = h.ok ? 200 : 503;
    res.set_content(h.reason + "\n", "text/plain; charset=utf-8");
  });
  s.Get("/api/summary", [self](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    MutexLock lock(self->backends);
    res.set_content(self->dashboard.SummaryJson(*self->Figures(), UnixMicros()), "application/json");
  });
  s.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(reinterpret_cast<const char*>(kDashboardHtml), kDashboardHtml_size,
                    "text/html; charset=utf-8");
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty())
      res.set_content("not found: try /, /metrics, /healthz or /api/summary\n", "text/plain");
  });
  if (!s.bind_to_port(options.address.c_str(), options.port)) {
    return Status::InvalidArgument(
        "cannot listen on " + options.address + ":" + std::to_string(options.port) +
        " (in use, or not an address of this machine): set --http-port (HTTP_PORT) "
        "to a free port, or 0 to turn HTTP off");
  }
  impl->port = options.port;
  impl->thread = std::thread([self] { self->server.listen_after_bind(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  // stop() does nothing before the listening loop has started: give the thread a moment to get there.
  for (int i = 0; i < 200 && !impl_->server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int HttpServer::port() const { return impl_->port; }

}  // namespace clickstream
