#include "kafka/error_reporter.h"

#include "common/log.h"

namespace clickstream::kafka {

namespace {

bool Contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// A connection the broker will refuse again however often it is retried: a failed login, a TLS handshake
// that failed on either side (an untrusted certificate, a client certificate the broker refused).
bool IsRefusal(RdKafka::ErrorCode code, const std::string& text) {
  switch (code) {
    case RdKafka::ERR__AUTHENTICATION:
    case RdKafka::ERR_SASL_AUTHENTICATION_FAILED:
    case RdKafka::ERR__SSL:
      return true;
    case RdKafka::ERR__TRANSPORT:
      return Contains(text, "SSL") || Contains(text, "security.protocol");
    default:
      return false;
  }
}

}  // namespace

void ErrorReporter::event_cb(RdKafka::Event& event) {
  if (event.type() == RdKafka::Event::EVENT_LOG) {
    // A broker that closes the connection during the first request (ApiVersion) did not understand it: a
    // plaintext client on a TLS or SASL listener. librdkafka says so only in this log line, and reports
    // the error as all brokers down.
    if (event.fac() == "FAIL" && Contains(event.str(), "APIVERSION_QUERY") &&
        (Contains(event.str(), "closed by peer") || Contains(event.str(), "Disconnected"))) {
      refused_.store(true);
      MutexLock lock(mu_);
      last_error_ = "the broker closed the connection during the first request (" + event.str() +
                    "): its listener expects another security.protocol";
    }
    return;
  }
  if (event.type() != RdKafka::Event::EVENT_ERROR) return;
  const bool refusal = IsRefusal(event.err(), event.str());
  if (refusal) refused_.store(true);
  const auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(mu_);
    // "All brokers down" follows the failure that caused it: keep the cause.
    if (event.err() != RdKafka::ERR__ALL_BROKERS_DOWN || last_error_.empty()) {
      if (refusal || !refused_.load()) last_error_ = RdKafka::err2str(event.err()) + " (" + event.str() + ")";
    }
    if (!print_.load()) return;
    auto [it, inserted] = last_report_.try_emplace(static_cast<int>(event.err()), now);
    if (!inserted && now - it->second < std::chrono::seconds(5)) return;
    it->second = now;
  }
  log::Warn(component_, "kafka: {} ({}); retrying", RdKafka::err2str(event.err()), event.str());
}

std::string ErrorReporter::last_error() const {
  MutexLock lock(mu_);
  return last_error_;
}

}  // namespace clickstream::kafka
