#include "common/duration_text.h"

#include <cstdint>
#include <optional>
#include <utility>

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

// `d` as ParseSeconds reads it back: in the largest unit among s, m, h and (when `days`) d that divides
// it, or in microseconds ("1500us") when it is not whole seconds (only tests make them).
std::string FormatInLargestUnit(Duration d, bool days) {
  const int64_t us = d.micros();
  if (us % 1'000'000 != 0) return std::to_string(us) + "us";
  const int64_t s = us / 1'000'000;
  for (const auto& [unit, suffix] :
       {std::pair{int64_t{86400}, 'd'}, {int64_t{3600}, 'h'}, {int64_t{60}, 'm'}}) {
    if (s != 0 && s % unit == 0 && (days || suffix != 'd')) return std::to_string(s / unit) + suffix;
  }
  return std::to_string(s) + "s";
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

std::string FormatWholeSeconds(Duration d) { return FormatInLargestUnit(d, /*days=*/false); }

std::string FormatRetention(std::optional<Duration> retention) {
  if (!retention) return "forever";
  return FormatInLargestUnit(*retention, /*days=*/true);
}

}  // namespace clickstream
