// What a user should do when a Kafka client cannot connect, from the client's last error: the end of
// the one-line error that CheckReachable returns. Pure, so every cause is unit-tested.
#pragma once

#include <string>

namespace clickstream::kafka {

// The fix for a connection that failed with `cause` (the last client error, "" if none).
// `sasl_mechanism` is the client's sasl.mechanisms and `librdkafka_version` is rd_kafka_version()
// (0xMMmmrrpp): a failed SCRAM login with librdkafka before 2.6.1 adds that such builds fail SCRAM
// against Kafka 4.x brokers (librdkafka#4895), which reject them as invalid credentials.
std::string ConnectFix(const std::string& cause, const std::string& sasl_mechanism, int librdkafka_version);

}  // namespace clickstream::kafka
