#include "kafka/error_reporter.h"

#include "common/log.h"

namespace clickstream::kafka {

void ErrorReporter::event_cb(RdKafka::Event& event) {
  if (event.type() != RdKafka::Event::EVENT_ERROR) return;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = RdKafka::err2str(event.err()) + " (" + event.str() + ")";
    if (!print_.load()) return;
    auto [it, inserted] = last_report_.try_emplace(static_cast<int>(event.err()), now);
    if (!inserted && now - it->second < std::chrono::seconds(5)) return;
    it->second = now;
  }
  log::Warn(component_, "kafka: {} ({}); retrying", RdKafka::err2str(event.err()), event.str());
}

std::string ErrorReporter::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

}  // namespace clickstream::kafka
