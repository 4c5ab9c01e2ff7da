// Reports librdkafka's client-level errors (broker down, transport failures) on stderr, one line per
// kind of error at most every few seconds, so a user sees that Kafka is unreachable and that the client
// keeps retrying, without a flood of librdkafka's own log lines.
//
// Thread safety: librdkafka calls it from its poll/consume callers; state is guarded by a mutex.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace clickstream::kafka {

class ErrorReporter : public RdKafka::EventCb {
 public:
  explicit ErrorReporter(std::string prefix) : prefix_(std::move(prefix)) {}
  void event_cb(RdKafka::Event& event) override;

 private:
  std::string prefix_;
  std::mutex mu_;
  std::map<int, std::chrono::steady_clock::time_point> last_report_;  // by error code
};

}  // namespace clickstream::kafka
