// Which librdkafka the process runs on. The binaries are built against Debian's 2.0.2 headers and load
// the librdkafka that scripts/versions.sh pins (cmake/librdkafka.cmake says how); an older one found
// first on the loader's path (a stray Debian librdkafka1, an LD_LIBRARY_PATH) would bring back the bugs
// the pin removes, so start-up refuses it.
//
// Thread safety: free functions without state.
#pragma once

#include <string>

#include "common/status.h"

namespace clickstream::kafka {

// The librdkafka loaded at run time ("2.16.0"; rd_kafka_version_str(), not the header's version).
std::string LoadedLibrdkafkaVersion();

// The librdkafka API the code is compiled against ("2.0.2": Debian's headers, RD_KAFKA_VERSION).
std::string HeaderLibrdkafkaVersion();

// The oldest librdkafka this build accepts ("2.16.0", from scripts/versions.sh).
std::string MinimumLibrdkafkaVersion();

// "major.minor.revision" as librdkafka's hex version (0xMMmmrr00), or -1 when malformed.
int ParseLibrdkafkaVersion(const std::string& text);

// OK when the loaded librdkafka is at least the minimum; else kInvalidArgument naming the file loaded
// and the fix.
Status CheckLibrdkafkaVersion();

}  // namespace clickstream::kafka
