#include "kafka/connect_fix.h"

#include <gtest/gtest.h>

namespace clickstream::kafka {
namespace {

constexpr int kDebian12 = 0x020002ff;  // librdkafka 2.0.2
constexpr int kFixed = 0x020601ff;     // librdkafka 2.6.1
const std::string kAuthFailed =
    "Local: Authentication failure (SASL authentication error: Authentication failed during authentication "
    "due to invalid credentials with SASL mechanism SCRAM-SHA-512)";
const std::string kCredentials = "check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM";

TEST(ConnectFix, FailedScramLoginWithAnOldLibrdkafkaNamesTheKafka4Limitation) {
  for (const char* mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-512", "scram-sha-512"}) {
    EXPECT_EQ(
        ConnectFix(kAuthFailed, mechanism, kDebian12),
        kCredentials +
            " (librdkafka 2.0.2 < 2.6.1 fails SCRAM against Kafka 4.x brokers: use PLAIN over SASL_SSL, "
            "a Kafka 3.x broker or a newer librdkafka)")
        << mechanism;
  }
}

TEST(ConnectFix, ScramHintOnlyForScramWithAnOldLibrdkafka) {
  EXPECT_EQ(ConnectFix(kAuthFailed, "SCRAM-SHA-512", kFixed), kCredentials);
  EXPECT_EQ(ConnectFix(kAuthFailed, "SCRAM-SHA-512", 0x020a00ff), kCredentials);
  // The mechanism configured decides, not the broker's text.
  EXPECT_EQ(ConnectFix(kAuthFailed, "PLAIN", kDebian12), kCredentials);
  EXPECT_NE(ConnectFix("Local: Authentication failure (SASL authentication error: invalid credentials)",
                       "SCRAM-SHA-256", kDebian12)
                .find("fails SCRAM against Kafka 4.x"),
            std::string::npos);
}

TEST(ConnectFix, ScramHintOnlyWhenTheLoginFailed) {
  EXPECT_EQ(ConnectFix("Local: Broker transport failure (Connection refused)", "SCRAM-SHA-512", kDebian12),
            "start it (make services) or set KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers");
  EXPECT_EQ(ConnectFix("", "SCRAM-SHA-512", kDebian12),
            "start it (make services) or set KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers");
}

TEST(ConnectFix, ProtocolAndCertificateCauses) {
  EXPECT_EQ(ConnectFix("Local: Broker transport failure (Disconnected: verify that security.protocol is "
                       "correctly configured, broker might require SASL authentication)",
                       "", kDebian12),
            "check KAFKA_SECURITY_PROTOCOL: the listener expects another protocol");
  EXPECT_EQ(ConnectFix("Local: SSL error (SSL handshake failed: certificate verify failed)", "SCRAM-SHA-512",
                       kDebian12),
            "check KAFKA_SSL_CA_LOCATION (the CA of the brokers' certificates) and KAFKA_SECURITY_PROTOCOL");
}

}  // namespace
}  // namespace clickstream::kafka
