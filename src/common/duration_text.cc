#include "common/duration_text.h"

#include <cstdint>

namespace clickstream {
namespace {

constexpr int64_t kMaxSeconds = 7 * 24 * 3600;

}  // namespace

Result<Duration> ParseWholeSeconds(std::string_view text) {
  const auto invalid = [&] {
    return Status::InvalidArgument("must be whole seconds from 1s to 168h, as 90s, 5m or 1h, got '" +
                                   std::string(text) + "'");
  };
  int64_t unit = 1;
  std::string_view digits = text;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 's':
        digits.remove_suffix(1);
        break;
      case 'm':
        unit = 60;
        digits.remove_suffix(1);
        break;
      case 'h':
        unit = 3600;
        digits.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  if (digits.empty() || digits.size() > 9) return invalid();
  int64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return invalid();
    value = value * 10 + (c - '0');
  }
  const int64_t seconds = value * unit;
  if (seconds < 1 || seconds > kMaxSeconds) return invalid();
  return Duration::Seconds(seconds);
}

std::string FormatWholeSeconds(Duration d) {
  const int64_t us = d.micros();
  if (us % 1'000'000 != 0) return std::to_string(us) + "us";
  const int64_t s = us / 1'000'000;
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace clickstream
