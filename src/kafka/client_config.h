// Building librdkafka configurations: the settings every client shares (ClientOptions: brokers,
// security, extra properties) plus each client's own, with errors as Status.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kafka/error_reporter.h"

namespace clickstream::kafka {

using ConfigPairs = std::vector<std::pair<std::string, std::string>>;

// What every Kafka client of the process (consumer, producers, admin clients, health probe, the
// produce/tail/topics commands) starts from. Empty fields leave librdkafka's defaults.
struct ClientOptions {
  ClientOptions() = default;
  // A client of the given brokers with default security (PLAINTEXT).
  ClientOptions(std::string servers) : bootstrap_servers(std::move(servers)) {}  // NOLINT: implicit

  // Brokers, host:port[,...] (bootstrap.servers).
  std::string bootstrap_servers = "127.0.0.1:19092";
  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (security.protocol).
  std::string security_protocol;
  // PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (sasl.mechanisms).
  std::string sasl_mechanism;
  // SASL user name (sasl.username).
  std::string sasl_username;
  // SASL password (sasl.password): from the environment or a file only, never a flag.
  std::string sasl_password;
  // A file whose first line is the SASL password; used when sasl_password is empty.
  std::string sasl_password_file;
  // PEM file of the CA certificates that sign the brokers' certificates (ssl.ca.location).
  std::string ssl_ca_location;
  // PEM client certificate and its private key, for mutual TLS (ssl.certificate.location,
  // ssl.key.location).
  std::string ssl_certificate_location;
  std::string ssl_key_location;
  // Files of librdkafka properties, one key=value a line (# starts a comment), like kcat's -F.
  std::vector<std::string> config_files;
  // Any librdkafka property as key=value, like kcat's -X; applied last, so it wins.
  std::vector<std::string> properties;

  // The pairs, in the order they are applied: bootstrap.servers, the security fields, the config
  // files, then `properties`. A malformed line or an unreadable file is kInvalidArgument naming it.
  Result<ConfigPairs> Pairs() const;
};

// True for the properties of librdkafka releases after 2.0.2 that clickstream sets to tune or to work
// around a bug of the pinned release (fetch.queue.backoff.ms, metadata.recovery.strategy). MakeConf skips
// them on a library that does not know them, which only a build with a lowered minimum runs on (an A/B
// of an older library, bench/librdkafka_ab.sh).
bool IsNewerLibraryTuning(const std::string& key);

// The consumer's read-ahead, in bytes per partition: 1 MiB (about 8,000 of the producer's records), fetched
// again 10 ms after the queue had no room (fetch.queue.backoff.ms). That covers what the reader takes
// during a fetch round trip and a Kafka commit's wait at full drain, and a deeper queue only holds memory:
// at 16 MiB per partition, where librdkafka's 100,000-record limit bound first, the read-ahead was a
// third of the process's peak, with no gain in throughput (docs/benchmarks.md#what-bounds-memory). A library
// without fetch.queue.backoff.ms (before 2.2.0) pauses fetching for a second whenever the queue is full, so
// there the queue holds 16 MiB, more than a second of input.
ConfigPairs ConsumerReadAhead();

// True for keys whose values are secrets (passwords, private keys, JAAS configs): never printed.
bool IsSecretKey(const std::string& key);

// `value`, or "[redacted]" when `key` holds a secret.
std::string Printable(const std::string& key, const std::string& value);

// A global configuration with every pair set; an unknown key or bad value names the key (not a
// secret's value). Fails too when the librdkafka loaded is older than the pinned one
// (CheckLibrdkafkaVersion), so that no client runs on it.
Result<std::unique_ptr<RdKafka::Conf>> MakeConf(const ConfigPairs& pairs);

// A global configuration of `client`'s settings on top of a client's own `pairs` (the client's
// settings win, so a user can tune any property).
Result<std::unique_ptr<RdKafka::Conf>> MakeConf(const ClientOptions& client, const ConfigPairs& pairs);

// Fails with a message naming the missing feature when security.protocol/sasl.mechanisms of `pairs`
// need a feature this librdkafka lacks (builtin.features: ssl, sasl_scram, sasl_plain).
Status CheckFeatures(const ConfigPairs& pairs);

// Asks the cluster for metadata within `timeout_ms`, so a wrong or unreachable address fails fast with
// a one-line error that names it instead of librdkafka retrying forever in the background. `errors`, the
// handle's event callback if any, gives the cause (authentication, TLS, wrong protocol) and its fix.
Status CheckReachable(RdKafka::Handle* handle, const std::string& bootstrap_servers, int timeout_ms,
                      const ErrorReporter* errors = nullptr);

// CheckReachable through a short-lived client of `client`'s settings, for commands that otherwise reach
// Kafka through admin requests only, whose failures do not say why (a refused login times out).
Status WaitReachable(const ClientOptions& client, int timeout_ms);

// The number of partitions of `topic`; 0 if it does not exist.
Result<int32_t> PartitionCount(RdKafka::Handle* handle, const std::string& topic, int timeout_ms);

}  // namespace clickstream::kafka
