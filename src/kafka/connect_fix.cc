#include "kafka/connect_fix.h"

namespace clickstream::kafka {
namespace {

bool Contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

std::string ConnectFix(const std::string& cause) {
  if (Contains(cause, "security.protocol")) {
    return "check KAFKA_SECURITY_PROTOCOL: the listener expects another protocol";
  }
  if (Contains(cause, "SASL") || Contains(cause, "uthentication")) {
    return "check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM";
  }
  if (Contains(cause, "alert bad certificate") || Contains(cause, "alert certificate required")) {
    return "the broker requires a client certificate it trusts: check KAFKA_SSL_CERTIFICATE_LOCATION and "
           "KAFKA_SSL_KEY_LOCATION";
  }
  if (Contains(cause, "SSL") || Contains(cause, "certificate")) {
    return "check KAFKA_SSL_CA_LOCATION (the CA of the brokers' certificates) and KAFKA_SECURITY_PROTOCOL";
  }
  return "start it (make services) or set KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers";
}

}  // namespace clickstream::kafka
