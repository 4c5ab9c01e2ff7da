#include "common/duration_text.h"

#include <cstdint>
#include <optional>

namespace clickstream {
namespace {

constexpr int64_t kMaxSeconds = 7 * 24 * 3600;
constexpr int64_t kMaxRetentionSeconds = int64_t{36500} * 24 * 3600;

// Seconds of `text`, digits with an optional unit among s, m, h and (when `days`) d; nullopt if it is
// not of that form or overflows.
std::optional<int64_t> ParseSeconds(std::string_view text, bool days) {
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
      case 'd':
        if (!days) return std::nullopt;
        unit = 86400;
        digits.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  int64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value * unit;
}

}  // namespace

Result<Duration> ParseWholeSeconds(std::string_view text) {
  const std::optional<int64_t> seconds = ParseSeconds(text, /*days=*/false);
  if (!seconds || *seconds < 1 || *seconds > kMaxSeconds) {
    return Status::InvalidArgument("must be whole seconds from 1s to 168h, as 90s, 5m or 1h, got '" +
                                   std::string(text) + "'");
  }
  return Duration::Seconds(*seconds);
}

Result<std::optional<Duration>> ParseRetention(std::string_view text) {
  if (text == "forever") return std::optional<Duration>();
  const std::optional<int64_t> seconds = ParseSeconds(text, /*days=*/true);
  if (!seconds || *seconds < 60 || *seconds > kMaxRetentionSeconds) {
    return Status::InvalidArgument(
        "must be forever or whole seconds from 1m to 36500d, as 90m, 36h or 30d, got '" + std::string(text) +
        "'");
  }
  return std::optional<Duration>(Duration::Seconds(*seconds));
}

std::string FormatWholeSeconds(Duration d) {
  const int64_t us = d.micros();
  if (us % 1'000'000 != 0) return std::to_string(us) + "us";
  const int64_t s = us / 1'000'000;
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::string FormatRetention(std::optional<Duration> retention) {
  if (!retention) return "forever";
  const Duration kDay = Duration::Minutes(24 * 60);
  if (retention->micros() % kDay.micros() == 0) {
    return std::to_string(retention->micros() / kDay.micros()) + "d";
  }
  return FormatWholeSeconds(*retention);
}

}  // namespace clickstream
