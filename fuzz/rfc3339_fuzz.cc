// libFuzzer target for ParseRfc3339: any byte string must give nullopt or a time within years 0001-9999
// whose formatted form parses back to the same instant; never a crash or a sanitizer report. The bounds of
// windows next to that range (a few minutes outside it) must format without undefined behaviour too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "common/rfc3339.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using clickstream::Duration;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<clickstream::EventTime> t = clickstream::ParseRfc3339(text);
  if (!t) return 0;
  if (*t < clickstream::kEarliestTime || *t > clickstream::kLatestTime) std::abort();
  const std::string formatted = clickstream::FormatRfc3339(*t);
  // Four-digit years 0001-9999: the year field is digits and not 0000.
  if (formatted.size() != 27 || formatted.compare(0, 4, "0000") == 0) std::abort();
  if (clickstream::ParseRfc3339(formatted) != t) std::abort();
  if (clickstream::FormatDate(*t) != formatted.substr(0, 10)) std::abort();
  for (const Duration d : {Duration::Minutes(-10), Duration::Minutes(10)}) {
    const std::string bound = clickstream::FormatRfc3339(*t + d);
    if (bound.size() < 27 || bound.back() != 'Z') std::abort();
  }
  return 0;
}
