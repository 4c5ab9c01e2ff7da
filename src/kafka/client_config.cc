#include "kafka/client_config.h"


#include <algorithm>
#include <chrono>
#include <fstream>

#include "kafka/connect_fix.h"
#include "kafka/kafka_status.h"
#include "kafka/library_version.h"

namespace clickstream::kafka {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// "key=value" as a pair; `where` names its origin in errors.
Status AppendProperty(const std::string& line, const std::string& where, ConfigPairs* out) {
  const size_t eq = line.find('=');
  if (eq == std::string::npos || Trim(line.substr(0, eq)).empty()) {
    return Status::InvalidArgument("kafka: " + where + ": expected key=value, got '" +
                                   Printable(Trim(line.substr(0, eq)), line) + "'");
  }
  out->emplace_back(Trim(line.substr(0, eq)), Trim(line.substr(eq + 1)));
  return Status::OK();
}

Status AppendFile(const std::string& path, ConfigPairs* out) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("kafka: cannot read the config file " + path);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    CS_RETURN_NOT_OK(AppendProperty(t, path + ":" + std::to_string(n), out));
  }
  return Status::OK();
}

}  // namespace

Result<ConfigPairs> ClientOptions::Pairs() const {
  ConfigPairs pairs = {{"bootstrap.servers", bootstrap_servers}};
  const std::pair<const char*, const std::string*> fields[] = {
      {"security.protocol", &security_protocol},
      {"sasl.mechanisms", &sasl_mechanism},
      {"sasl.username", &sasl_username},
      {"ssl.ca.location", &ssl_ca_location},
      {"ssl.certificate.location", &ssl_certificate_location},
      {"ssl.key.location", &ssl_key_location},
  };
  for (const auto& [key, value] : fields) {
    if (!value->empty()) pairs.emplace_back(key, *value);
  }
  if (!sasl_password.empty()) {
    pairs.emplace_back("sasl.password", sasl_password);
  } else if (!sasl_password_file.empty()) {
    std::ifstream in(sasl_password_file);
    std::string password;
    if (!in || !std::getline(in, password)) {
      return Status::InvalidArgument("kafka: cannot read the SASL password file " + sasl_password_file);
    }
    pairs.emplace_back("sasl.password", Trim(password));
  }
  for (const auto& path : config_files) CS_RETURN_NOT_OK(AppendFile(path, &pairs));
  for (const auto& property : properties) CS_RETURN_NOT_OK(AppendProperty(property, "-X", &pairs));
  return pairs;
}

bool IsNewerLibraryTuning(const std::string& key) {
  return key == "fetch.queue.backoff.ms" || key == "metadata.recovery.strategy";
}

ConfigPairs ConsumerReadAhead() {
  constexpr int kFetchQueueBackoffSince = 0x02020000;  // librdkafka 2.2.0
  if ((RdKafka::version() & ~0xff) < kFetchQueueBackoffSince)
    return {{"queued.max.messages.kbytes", "16384"}};
  // The byte limit binds first: 1 MiB holds fewer records than queued.min.messages (100,000).
  return {{"queued.max.messages.kbytes", "1024"}, {"fetch.queue.backoff.ms", "10"}};
}

bool IsSecretKey(const std::string& key) {
  std::string k = key;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  return k.find("password") != std::string::npos || k.find("secret") != std::string::npos ||
         k.find("jaas") != std::string::npos || k == "ssl.key.pem" || k == "ssl_key" ||
         k.find("token") != std::string::npos;
}

std::string Printable(const std::string& key, const std::string& value) {
  return IsSecretKey(key) ? "[redacted]" : value;
}

Result<std::unique_ptr<RdKafka::Conf>> MakeConf(const ConfigPairs& pairs) {
  CS_RETURN_NOT_OK(CheckLibrdkafkaVersion());
  CS_RETURN_NOT_OK(CheckFeatures(pairs));
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [key, value] : pairs) {
    const RdKafka::Conf::ConfResult set = conf->set(key, value, err);
    if (set == RdKafka::Conf::CONF_UNKNOWN && IsNewerLibraryTuning(key)) continue;
    if (set != RdKafka::Conf::CONF_OK) {
      // librdkafka's message may quote the value: never print it for a secret.
      return Status::InvalidArgument("kafka: setting " + key + "=" + Printable(key, value) + ": " +
                                     (IsSecretKey(key) ? "invalid value" : err));
    }
  }
  return conf;
}

Result<std::unique_ptr<RdKafka::Conf>> MakeConf(const ClientOptions& client, const ConfigPairs& pairs) {
  CS_ASSIGN_OR_RETURN(ConfigPairs common, client.Pairs());
  ConfigPairs all = pairs;
  all.insert(all.end(), common.begin(), common.end());
  return MakeConf(all);
}

Status CheckFeatures(const ConfigPairs& pairs) {
  std::string protocol, mechanism;
  for (const auto& [key, value] : pairs) {
    if (key == "security.protocol") protocol = value;
    if (key == "sasl.mechanisms" || key == "sasl.mechanism") mechanism = value;
  }
  std::transform(protocol.begin(), protocol.end(), protocol.begin(), ::toupper);
  std::transform(mechanism.begin(), mechanism.end(), mechanism.begin(), ::toupper);
  std::unique_ptr<RdKafka::Conf> probe(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string features;
  probe->get("builtin.features", features);
  const auto has = [&](const std::string& f) {
    return ("," + features + ",").find("," + f + ",") != std::string::npos;
  };
  std::string missing;
  if (protocol.find("SSL") != std::string::npos && !has("ssl")) missing = "ssl";
  if (protocol.find("SASL") != std::string::npos) {
    if (mechanism.rfind("SCRAM", 0) == 0 && !has("sasl_scram")) missing = "sasl_scram";
    if (mechanism == "PLAIN" && !has("sasl_plain")) missing = "sasl_plain";
  }
  if (missing.empty()) return Status::OK();
  return Status::InvalidArgument("kafka: security.protocol=" + protocol +
                                 (mechanism.empty() ? "" : " sasl.mechanisms=" + mechanism) +
                                 " needs librdkafka built with " + missing +
                                 " (builtin.features: " + features + "): install a librdkafka with it");
}

Status CheckReachable(RdKafka::Handle* handle, const std::string& bootstrap_servers, int timeout_ms,
                      const ErrorReporter* errors) {
  // Asked in slices, serving the handle's events in between so that `errors` learns the cause.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  RdKafka::ErrorCode code = RdKafka::ERR__TIMED_OUT;
  auto* consumer = dynamic_cast<RdKafka::KafkaConsumer*>(handle);
  for (;;) {
    // A refused login or TLS handshake is final: librdkafka knows within milliseconds and would only
    // retry it until the deadline.
    if (errors != nullptr && errors->refused()) break;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    RdKafka::Metadata* raw = nullptr;
    code = handle->metadata(/*all_topics=*/false, nullptr, &raw,
                            static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (code == RdKafka::ERR_NO_ERROR) return Status::OK();
    if (consumer != nullptr) {
      delete consumer->consume(100);  // not subscribed yet: serves error events only
    } else {
      handle->poll(100);
    }
  }
  const std::string cause = errors != nullptr ? errors->last_error() : "";
  if (errors != nullptr && errors->refused()) {
    return Status::Unavailable("Kafka at " + bootstrap_servers + " refused the connection (" + cause +
                               "): " + ConnectFix(cause));
  }
  const std::string fix = ConnectFix(cause);
  return Status::Unavailable("cannot reach Kafka at " + bootstrap_servers + " within " +
                             std::to_string(timeout_ms / 1000) + " s (" +
                             (cause.empty() ? RdKafka::err2str(code) : cause) + "): " + fix);
}

Status WaitReachable(const ClientOptions& client, int timeout_ms) {
  CS_ASSIGN_OR_RETURN(auto conf,
                      MakeConf(client, {{"log_level", kReportedLogLevel}}));  // failures are reported once, by us
  ErrorReporter errors("", /*print=*/false);
  std::string err;
  conf->set("event_cb", static_cast<RdKafka::EventCb*>(&errors), err);
  std::unique_ptr<RdKafka::Producer> probe(RdKafka::Producer::create(conf.get(), err));
  if (!probe) return Status::InvalidArgument("kafka: " + err);
  return CheckReachable(probe.get(), client.bootstrap_servers, timeout_ms, &errors);
}

Result<int32_t> PartitionCount(RdKafka::Handle* handle, const std::string& topic, int timeout_ms) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(handle, topic, nullptr, err));
  if (!t) return Status::InvalidArgument("kafka: topic " + topic + ": " + err);
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode code = handle->metadata(/*all_topics=*/false, t.get(), &raw, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  CS_RETURN_NOT_OK(FromRdKafka(code, "read the metadata of topic " + topic));
  for (const RdKafka::TopicMetadata* tm : *md->topics()) {
    if (tm->topic() == topic && tm->err() == RdKafka::ERR_NO_ERROR) {
      return static_cast<int32_t>(tm->partitions()->size());
    }
  }
  return 0;
}

}  // namespace clickstream::kafka
