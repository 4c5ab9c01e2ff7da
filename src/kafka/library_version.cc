#include "kafka/library_version.h"

#include <dlfcn.h>
#include <librdkafka/rdkafka.h>

#include <charconv>

namespace clickstream::kafka {

std::string LoadedLibrdkafkaVersion() { return rd_kafka_version_str(); }

std::string HeaderLibrdkafkaVersion() {
  return std::to_string((RD_KAFKA_VERSION >> 24) & 0xff) + "." + std::to_string((RD_KAFKA_VERSION >> 16) & 0xff) +
         "." + std::to_string((RD_KAFKA_VERSION >> 8) & 0xff);
}

std::string MinimumLibrdkafkaVersion() { return CLICKSTREAM_LIBRDKAFKA_MIN_VERSION; }

int ParseLibrdkafkaVersion(const std::string& text) {
  int parts[3] = {0, 0, 0};
  const char* p = text.data();
  const char* end = p + text.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc() || parts[i] < 0 || parts[i] > 255) return -1;
    p = next;
    if (i < 2) {
      if (p == end || *p != '.') return -1;
      ++p;
    }
  }
  // A suffix such as "-RC1" does not change the release.
  return (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8);
}

Status CheckLibrdkafkaVersion() {
  // The low byte of rd_kafka_version() marks pre-releases; releases compare by the three above it.
  const int loaded = rd_kafka_version() & ~0xff;
  if (loaded >= ParseLibrdkafkaVersion(MinimumLibrdkafkaVersion())) return Status::OK();
  Dl_info info{};
  const char* file = dladdr(reinterpret_cast<void*>(&rd_kafka_version), &info) != 0 && info.dli_fname != nullptr
                         ? info.dli_fname
                         : "an unknown file";
  return Status::InvalidArgument("librdkafka " + LoadedLibrdkafkaVersion() + " was loaded from " + file +
                                 ", clickstream needs " + MinimumLibrdkafkaVersion() +
                                 " or newer: run scripts/install-deps.sh and rebuild, and unset LD_LIBRARY_PATH "
                                 "if it names another librdkafka");
}

}  // namespace clickstream::kafka
