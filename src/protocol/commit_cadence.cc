#include "protocol/commit_cadence.h"

#include <algorithm>

namespace clickstream {

std::chrono::milliseconds CommitCadence::Spacing() const {
  return last_age_ >= max_delay_ ? std::max(interval_, max_delay_) : interval_;
}

}  // namespace clickstream
