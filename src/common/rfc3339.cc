#include "common/rfc3339.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace clickstream {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;

// Reads exactly `n` ASCII digits at `pos`; returns -1 if any is not a digit.
int ReadDigits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool Expect(std::string_view s, size_t pos, char c) { return pos < s.size() && s[pos] == c; }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<EventTime> ParseRfc3339(std::string_view s) {
  const int year = ReadDigits(s, 0, 4);
  const int month = ReadDigits(s, 5, 2);
  const int day = ReadDigits(s, 8, 2);
  const int hour = ReadDigits(s, 11, 2);
  const int minute = ReadDigits(s, 14, 2);
  const int second = ReadDigits(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
  if (!Expect(s, 4, '-') || !Expect(s, 7, '-') || !(Expect(s, 10, 'T') || Expect(s, 10, 't')) ||
      !Expect(s, 13, ':') || !Expect(s, 16, ':')) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                        std::chrono::day(day)};
  if (!ymd.ok()) return std::nullopt;

  size_t pos = 19;
  int64_t micros = 0;
  if (Expect(s, pos, '.')) {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }

  int64_t offset_seconds = 0;
  if (Expect(s, pos, 'Z') || Expect(s, pos, 'z')) {
    ++pos;
  } else if (Expect(s, pos, '+') || Expect(s, pos, '-')) {
    const int sign = s[pos] == '+' ? 1 : -1;
    const int oh = ReadDigits(s, pos + 1, 2);
    const int om = ReadDigits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || !Expect(s, pos + 3, ':') || oh > 23 || om > 59) return std::nullopt;
    offset_seconds = sign * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;  // no offset: the local time of an unknown zone
  }
  if (pos != s.size()) return std::nullopt;

  const int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  const int64_t seconds = days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset_seconds;
  const EventTime t = EventTime::FromMicros(seconds * kMicrosPerSecond + micros);
  // The offset can move 0000-01-01 and 9999-12-31 across the ends of the four-digit years.
  if (t < kEarliestTime || t > kLatestTime) return std::nullopt;
  return t;
}

// Writes `v` as exactly `width` digits ending just before `end`; returns the new end.
static char* PutDigits(char* end, int64_t v, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return end;
}

// Formatted by hand: this runs for every event of the enriched topic, and snprintf was a top cost there.
void AppendRfc3339(EventTime t, std::string* out) {
  const int64_t us = t.micros();
  const int64_t secs = FloorDiv(us, kMicrosPerSecond);
  const int64_t frac = us - secs * kMicrosPerSecond;
  const int64_t days = FloorDiv(secs, kSecondsPerDay);
  const int64_t sod = secs - days * kSecondsPerDay;
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(days))};
  char buf[27];  // YYYY-MM-DDTHH:MM:SS.ffffffZ
  char* p = buf + sizeof buf;
  *--p = 'Z';
  p = PutDigits(p, frac, 6);
  *--p = '.';
  p = PutDigits(p, sod % 60, 2);
  *--p = ':';
  p = PutDigits(p, sod / 60 % 60, 2);
  *--p = ':';
  p = PutDigits(p, sod / 3600, 2);
  *--p = 'T';
  p = PutDigits(p, static_cast<unsigned>(ymd.day()), 2);
  *--p = '-';
  p = PutDigits(p, static_cast<unsigned>(ymd.month()), 2);
  *--p = '-';
  const int year = static_cast<int>(ymd.year());
  if (year >= 0 && year <= 9999) {
    PutDigits(p, year, 4);
    out->append(buf, sizeof buf);
    return;
  }
  char expanded[8];  // ISO 8601 expanded year: a sign and at least four digits
  const int n = std::snprintf(expanded, sizeof expanded, "%c%04d", year < 0 ? '-' : '+', std::abs(year));
  out->append(expanded, static_cast<size_t>(n));
  out->append(p, static_cast<size_t>(buf + sizeof buf - p));
}

std::string FormatRfc3339(EventTime t) {
  std::string s;
  AppendRfc3339(t, &s);
  return s;
}

std::string FormatDate(EventTime t) { return FormatRfc3339(t).substr(0, 10); }

}  // namespace clickstream
