#include "kafka/connect_fix.h"

#include <algorithm>
#include <cctype>

namespace clickstream::kafka {
namespace {

// librdkafka 2.6.1, the first whose SCRAM client-final-message Kafka 4.x brokers accept.
constexpr int kScramFixedVersion = 0x020601ff;

bool Contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// "2.0.2" of 0x020002ff.
std::string VersionString(int version) {
  return std::to_string((version >> 24) & 0xff) + "." + std::to_string((version >> 16) & 0xff) + "." +
         std::to_string((version >> 8) & 0xff);
}

}  // namespace

std::string ConnectFix(const std::string& cause, const std::string& sasl_mechanism, int librdkafka_version) {
  if (Contains(cause, "security.protocol")) {
    return "check KAFKA_SECURITY_PROTOCOL: the listener expects another protocol";
  }
  if (Contains(cause, "SASL") || Contains(cause, "uthentication")) {
    std::string fix = "check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM";
    std::string mechanism = sasl_mechanism;
    std::transform(mechanism.begin(), mechanism.end(), mechanism.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    if (mechanism.rfind("SCRAM-", 0) == 0 && librdkafka_version < kScramFixedVersion) {
      fix += " (librdkafka " + VersionString(librdkafka_version) +
             " < 2.6.1 fails SCRAM against Kafka 4.x brokers: use PLAIN over SASL_SSL, a Kafka 3.x broker or "
             "a newer librdkafka)";
    }
    return fix;
  }
  if (Contains(cause, "SSL") || Contains(cause, "certificate")) {
    return "check KAFKA_SSL_CA_LOCATION (the CA of the brokers' certificates) and KAFKA_SECURITY_PROTOCOL";
  }
  return "start it (make services) or set KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers";
}

}  // namespace clickstream::kafka
