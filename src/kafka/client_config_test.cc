#include "kafka/client_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace clickstream::kafka {
namespace {

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
  std::ofstream(path) << text;
  return path;
}

std::string Get(const RdKafka::Conf& conf, const std::string& key) {
  std::string value;
  EXPECT_EQ(conf.get(key, value), RdKafka::Conf::CONF_OK) << key;
  return value;
}

TEST(ClientOptions, DefaultIsPlaintextOfTheBrokers) {
  const ClientOptions o("broker:9092");
  const auto pairs = o.Pairs();
  ASSERT_TRUE(pairs.ok());
  EXPECT_EQ(*pairs, (ConfigPairs{{"bootstrap.servers", "broker:9092"}}));
}

TEST(ClientOptions, SecurityFieldsFileAndPropertiesInOrder) {
  ClientOptions o("b:9093");
  o.security_protocol = "SASL_SSL";
  o.sasl_mechanism = "SCRAM-SHA-512";
  o.sasl_username = "alice";
  o.sasl_password_file = TempFile("sasl-password", "s3cret-pw\n");
  o.ssl_ca_location = "/ca.pem";
  o.ssl_certificate_location = "/client.pem";
  o.ssl_key_location = "/client.key";
  o.config_files = {TempFile("kafka.properties", "# tuned\n\nclient.id = from-file\nlinger.ms=7\n")};
  o.properties = {"linger.ms=9"};
  const auto pairs = o.Pairs();
  ASSERT_TRUE(pairs.ok()) << pairs.status().message();
  EXPECT_EQ(*pairs, (ConfigPairs{{"bootstrap.servers", "b:9093"},
                                 {"security.protocol", "SASL_SSL"},
                                 {"sasl.mechanisms", "SCRAM-SHA-512"},
                                 {"sasl.username", "alice"},
                                 {"ssl.ca.location", "/ca.pem"},
                                 {"ssl.certificate.location", "/client.pem"},
                                 {"ssl.key.location", "/client.key"},
                                 {"sasl.password", "s3cret-pw"},
                                 {"client.id", "from-file"},
                                 {"linger.ms", "7"},
                                 {"linger.ms", "9"}}));
}

TEST(ClientOptions, ClientSettingsWinOverAClientsOwn) {
  ClientOptions o("b:1");
  o.properties = {"linger.ms=42"};
  const auto conf = MakeConf(o, {{"linger.ms", "5"}, {"client.id", "own"}});
  ASSERT_TRUE(conf.ok()) << conf.status().message();
  EXPECT_EQ(Get(**conf, "linger.ms"), "42");
  EXPECT_EQ(Get(**conf, "client.id"), "own");
  EXPECT_EQ(Get(**conf, "bootstrap.servers"), "b:1");
}

TEST(ClientOptions, BadPropertyNamesTheKey) {
  ClientOptions o;
  o.properties = {"no.such.property=1"};
  const auto conf = MakeConf(o, {});
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(conf.status().message().find("no.such.property"), std::string::npos) << conf.status().message();

  o.properties = {"missing-equals-sign"};
  const auto malformed = o.Pairs();
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("key=value"), std::string::npos);

  o.properties = {};
  o.config_files = {"/nonexistent/kafka.properties"};
  EXPECT_EQ(o.Pairs().status().code(), StatusCode::kInvalidArgument);
}

// The pinned librdkafka knows the newer properties clickstream sets, so they take effect; only those
// are ever skipped, so a misspelt property still fails.
TEST(ClientOptions, NewerLibraryTuningIsSetAndNothingElseIsSkipped) {
  auto conf = MakeConf({{"metadata.recovery.strategy", "none"}, {"fetch.queue.backoff.ms", "10"}});
  ASSERT_TRUE(conf.ok()) << conf.status().message();
  std::string value;
  ASSERT_EQ((*conf)->get("metadata.recovery.strategy", value), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(value, "none");
  EXPECT_TRUE(IsNewerLibraryTuning("fetch.queue.backoff.ms"));
  EXPECT_FALSE(IsNewerLibraryTuning("fetch.queue.backof.ms"));
  EXPECT_FALSE(MakeConf({{"fetch.queue.backof.ms", "10"}}).ok());
}

// The pinned library refetches 10 ms after a full queue, so the read-ahead is bounded to 1 MiB per
// partition in bytes (the record count, librdkafka's 100,000, would hold 13 MB of the producer's records).
TEST(ConsumerReadAhead, IsOneMebibytePerPartitionOnThePinnedLibrary) {
  const ConfigPairs read_ahead = ConsumerReadAhead();
  EXPECT_EQ(read_ahead,
            (ConfigPairs{{"queued.max.messages.kbytes", "1024"}, {"fetch.queue.backoff.ms", "10"}}));
  auto conf = MakeConf(read_ahead);
  ASSERT_TRUE(conf.ok()) << conf.status().message();
  std::string kbytes;
  ASSERT_EQ((*conf)->get("queued.max.messages.kbytes", kbytes), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(kbytes, "1024");
}

TEST(ClientOptions, SecretsAreNeverInErrors) {
  ClientOptions o;
  o.security_protocol = "NOT_A_PROTOCOL";
  o.sasl_password = "hunter2-secret";
  auto conf = MakeConf(o, {});
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(conf.status().message().find("security.protocol"), std::string::npos);
  EXPECT_EQ(conf.status().message().find("hunter2"), std::string::npos);

  const auto bad = MakeConf({{"sasl.jaas.config", "user=\"x\" password=\"hunter2\""}});
  if (!bad.ok()) {
    EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos);
  }
  EXPECT_EQ(Printable("sasl.password", "hunter2"), "[redacted]");
  EXPECT_EQ(Printable("ssl.key.password", "hunter2"), "[redacted]");
  EXPECT_EQ(Printable("linger.ms", "5"), "5");
}

TEST(ClientOptions, FeaturesOfThisLibrdkafka) {
  // Debian's librdkafka has ssl and SCRAM; the check passes for them and for plaintext.
  EXPECT_TRUE(CheckFeatures({{"security.protocol", "SASL_SSL"}, {"sasl.mechanisms", "SCRAM-SHA-256"}}).ok());
  EXPECT_TRUE(CheckFeatures({}).ok());
}

}  // namespace
}  // namespace clickstream::kafka
