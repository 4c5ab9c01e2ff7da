// The service's one retry policy: capped exponential backoff with jitter. The wait after the n-th failure
// in a row grows from `initial` by `multiplier` up to `max`, and jitter spreads it below that ceiling so
// that processes and partitions failing together do not retry in step. Every loop that retries work on a
// server waits by it, each with its own bounds: PostgreSQL commits and claims (postgres_retry.h), claims
// during a rebalance, Kafka transaction steps and topic creation, partition recoveries and lake writes.
//
// RetryPolicy is a plain value. Backoff draws the jitter from its own seedable random source (a seed
// makes the waits reproducible, for tests); it is not thread-safe: one thread at a time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>

#include "common/check.h"

namespace clickstream {

// How much of the ceiling a wait may fall below it.
enum class Jitter {
  kNone,   // the ceiling itself
  kEqual,  // uniform between half the ceiling and the ceiling: never less than half the growth
  kFull,   // uniform between 0 and the ceiling
};

struct RetryPolicy {
  // The ceiling of the wait after the first failure.
  std::chrono::milliseconds initial{250};
  // No wait is longer than this.
  std::chrono::milliseconds max{5000};
  // Each ceiling is the previous one times this (>= 1).
  double multiplier = 2.0;
  // How far below its ceiling a wait may be drawn.
  Jitter jitter = Jitter::kEqual;
  // Zero: no deadline. Otherwise no retry starts once this long passed since the first failure (or
  // Backoff::Start), and the last wait is cut to end at the deadline.
  std::chrono::milliseconds deadline{0};
  // Zero: no cap. Otherwise the number of attempts in all (the first one included).
  int max_attempts = 0;

  // The wait's ceiling after `failures` + 1 failures in a row: initial * multiplier^failures, at most max.
  // REQUIRES: failures >= 0.
  std::chrono::milliseconds Ceiling(int failures) const {
    CS_DCHECK(failures >= 0) << failures << " failures";
    CS_DCHECK(multiplier >= 1.0) << multiplier;
    double wait = static_cast<double>(initial.count());
    const auto cap = static_cast<double>(max.count());
    for (int i = 0; i < failures && wait < cap; ++i) wait *= multiplier;
    return std::chrono::milliseconds(static_cast<int64_t>(std::min(wait, cap)));
  }
};

class Backoff {
 public:
  using Clock = std::chrono::steady_clock;

  // `seed`: the random source's; by default a different one per Backoff.
  explicit Backoff(RetryPolicy policy = {}, uint64_t seed = std::random_device{}())
      : policy_(policy), random_(seed) {}

  // The wait after `failures` + 1 failures in a row, jitter drawn; the caller counts the failures.
  std::chrono::milliseconds After(int failures) {
    const std::chrono::milliseconds ceiling = policy_.Ceiling(failures);
    const int64_t c = ceiling.count();
    switch (policy_.jitter) {
      case Jitter::kNone:
        return ceiling;
      case Jitter::kEqual:
        return std::chrono::milliseconds(c - c / 2 + Draw(c / 2));
      case Jitter::kFull:
        return std::chrono::milliseconds(Draw(c));
    }
    return ceiling;
  }

  // Counts a failure at `now` and returns the wait before the next attempt, or nullopt when the policy's
  // attempt cap or deadline allows none.
  std::optional<std::chrono::milliseconds> Failed(Clock::time_point now = Clock::now()) {
    if (!started_) started_ = now;
    const int failures = failures_++;
    if (policy_.max_attempts > 0 && failures_ >= policy_.max_attempts) return std::nullopt;
    std::chrono::milliseconds wait = After(failures);
    if (policy_.deadline.count() > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*started_ + policy_.deadline - now);
      if (left.count() <= 0) return std::nullopt;
      wait = std::min(wait, left);
    }
    return wait;
  }

  // The deadline counts from `start` (by default, from the first failure): the start of the work retried.
  void Start(Clock::time_point start) { started_ = start; }

  // After a success: the next failure starts from `initial` again, and the deadline from it.
  void Reset() {
    failures_ = 0;
    started_.reset();
  }

  // Failures since the last Reset().
  int failures() const { return failures_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  // Uniform in [0, bound].
  int64_t Draw(int64_t bound) {
    if (bound <= 0) return 0;
    return std::uniform_int_distribution<int64_t>(0, bound)(random_);
  }

  RetryPolicy policy_;
  std::mt19937_64 random_;
  int failures_ = 0;
  std::optional<Clock::time_point> started_;  // where the deadline counts from
};

}  // namespace clickstream
