#include "service/commit_cadence.h"

#include <algorithm>

namespace clickstream {

std::chrono::milliseconds CommitCadence::Spacing() const {
  return std::max(interval_, std::min(last_age_, max_delay_));
}

}  // namespace clickstream
