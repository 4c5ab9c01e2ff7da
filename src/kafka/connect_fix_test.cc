#include "kafka/connect_fix.h"

#include <gtest/gtest.h>

namespace clickstream::kafka {
namespace {

TEST(ConnectFix, FailedLoginNamesTheCredentials) {
  EXPECT_EQ(ConnectFix("Local: Authentication failure (SASL authentication error: Authentication failed during "
                       "authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512)"),
            "check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM");
}

TEST(ConnectFix, UnreachableBrokerNamesTheAddress) {
  EXPECT_EQ(ConnectFix("Local: Broker transport failure (Connection refused)"),
            "start it (make services) or set KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers");
  EXPECT_EQ(ConnectFix(""), "start it (make services) or set KAFKA_BOOTSTRAP_SERVERS / --bootstrap-servers");
}

TEST(ConnectFix, AClientCertificateTheBrokerRefusedNamesTheCertificateSettings) {
  EXPECT_EQ(ConnectFix("Local: Broker transport failure (sasl_ssl://127.0.0.1:9093/bootstrap: Receive failed: "
                       "error:0A000412:SSL routines::ssl/tls alert bad certificate: SSL alert number 42)"),
            "the broker requires a client certificate it trusts: check KAFKA_SSL_CERTIFICATE_LOCATION and "
            "KAFKA_SSL_KEY_LOCATION");
}

TEST(ConnectFix, ProtocolAndCertificateCauses) {
  EXPECT_EQ(ConnectFix("Local: Broker transport failure (Disconnected: verify that security.protocol is "
                       "correctly configured, broker might require SASL authentication)"),
            "check KAFKA_SECURITY_PROTOCOL: the listener expects another protocol");
  EXPECT_EQ(ConnectFix("Local: SSL error (SSL handshake failed: certificate verify failed)"),
            "check KAFKA_SSL_CA_LOCATION (the CA of the brokers' certificates) and KAFKA_SECURITY_PROTOCOL");
}

}  // namespace
}  // namespace clickstream::kafka
