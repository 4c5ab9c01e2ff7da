// Reports librdkafka's client-level errors (broker down, transport failures) as warnings, one line per
// kind of error at most every few seconds, so a user sees that Kafka is unreachable and that the client
// keeps retrying, without a flood of librdkafka's own log lines.
//
// Thread safety: librdkafka calls it from its poll/consume callers; state is guarded by a mutex.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>

#include "common/mutex.h"

namespace clickstream::kafka {

// The log_level of a client whose events a reporter serves: librdkafka logs some connection failures
// only at level 6 (a broker closing a plaintext connection to its TLS listener), and the reporter reads
// them for the cause without printing any log line.
inline constexpr const char* kReportedLogLevel = "6";

class ErrorReporter : public RdKafka::EventCb {
 public:
  // `component`: of the log lines. `print` false: errors are only recorded (a command that reports the
  // cause once, when it gives up).
  explicit ErrorReporter(std::string component, bool print = true)
      : component_(std::move(component)), print_(print) {}
  // Turns printing on or off (e.g. on once a connection is established, whose failure is reported once).
  void set_print(bool print) { print_.store(print); }
  void event_cb(RdKafka::Event& event) override;
  // The latest error ("<error name> (<detail>)"), empty if none: the cause of a failed connection.
  std::string last_error() const;
  // Whether a broker refused the client (authentication, TLS, a listener of another protocol) since the
  // reporter was made: retrying the connection cannot help.
  bool refused() const { return refused_.load(); }

 private:
  std::string component_;
  std::atomic<bool> print_;
  std::atomic<bool> refused_{false};
  mutable Mutex mu_;
  std::string last_error_ GUARDED_BY(mu_);
  std::map<int, std::chrono::steady_clock::time_point> last_report_ GUARDED_BY(mu_);  // by error code
};

}  // namespace clickstream::kafka
