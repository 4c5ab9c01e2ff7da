#include "lake/file_names.h"

#include <charconv>
#include <cstdio>

namespace clickstream {
namespace {

constexpr std::string_view kDatePrefix = "event_date=";
constexpr std::string_view kHiddenSuffix = ".inprogress";
constexpr size_t kOffsetDigits = 19;

std::string BaseName(const BatchFile& f) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "part-p%d-o%019lld-o%019lld.parquet", f.partition.id(),
                static_cast<long long>(f.first.value()), static_cast<long long>(f.last.value()));
  return buf;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

bool IsDate(std::string_view s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-' && IsDigits(s.substr(0, 4)) &&
         IsDigits(s.substr(5, 2)) && IsDigits(s.substr(8, 2));
}

// Consumes `prefix` from the front of `s`.
bool Eat(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Consumes a non-negative decimal of `digits` digits (any count if 0) from the front of `s`.
template <typename Int>
bool EatNumber(std::string_view& s, size_t digits, Int* out) {
  const size_t n = digits != 0 ? digits : s.find_first_not_of("0123456789");
  if (n == 0 || n == std::string_view::npos || n > s.size() || !IsDigits(s.substr(0, n))) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + n, *out);
  if (ec != std::errc() || end != s.data() + n) return false;
  s.remove_prefix(n);
  return true;
}

}  // namespace

std::string DateDirName(std::string_view date) { return std::string(kDatePrefix) + std::string(date); }

std::string HiddenPath(const BatchFile& f) {
  return DateDirName(f.date) + "/." + BaseName(f) + "." + f.writer_id + std::string(kHiddenSuffix);
}

std::string VisiblePath(const BatchFile& f) { return DateDirName(f.date) + "/" + BaseName(f); }

std::optional<BatchFile> ParseHiddenPath(std::string_view s) {
  BatchFile f;
  int32_t partition = 0;
  int64_t first = 0;
  int64_t last = 0;
  if (!Eat(s, kDatePrefix) || s.size() < 10 || !IsDate(s.substr(0, 10))) return std::nullopt;
  f.date = s.substr(0, 10);
  s.remove_prefix(10);
  if (!Eat(s, "/.part-p") || !EatNumber(s, 0, &partition) || !Eat(s, "-o") ||
      !EatNumber(s, kOffsetDigits, &first) || !Eat(s, "-o") || !EatNumber(s, kOffsetDigits, &last) ||
      !Eat(s, ".parquet.") || !s.ends_with(kHiddenSuffix)) {
    return std::nullopt;
  }
  s.remove_suffix(kHiddenSuffix.size());
  if (!IsValidWriterId(s) || first > last) return std::nullopt;
  f.partition = Partition(partition);
  f.first = Offset(first);
  f.last = Offset(last);
  f.writer_id = s;
  return f;
}

bool IsValidWriterId(std::string_view id) {
  return !id.empty() &&
         id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
             std::string_view::npos;
}

}  // namespace clickstream
