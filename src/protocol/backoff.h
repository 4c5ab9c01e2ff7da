// The service's one retry policy: the wait before the next attempt at something that failed `failures`
// times in a row doubles from `first` up to `max`. PostgreSQL claims and commits (postgres_retry.h),
// partition recoveries and lake writes all wait by it, each with its own bounds.
//
// Thread safety: a plain value.
#pragma once

#include <algorithm>
#include <chrono>

#include "common/check.h"

namespace clickstream {

struct Backoff {
  std::chrono::milliseconds first{250};
  std::chrono::milliseconds max{5000};

  // first * 2^failures, at most max. REQUIRES: failures >= 0.
  std::chrono::milliseconds After(int failures) const {
    CS_DCHECK(failures >= 0) << failures << " failures";
    auto wait = first;
    for (int i = 0; i < failures && wait < max; ++i) wait *= 2;
    return std::min(wait, max);
  }
};

}  // namespace clickstream
