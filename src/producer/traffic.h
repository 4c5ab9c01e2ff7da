// Synthetic website traffic like the seed's producer (SPEC.md section 7): users user_1..user_N, six pages
// of https://example.com, all four event types, and every Nth event stamped in the past so that the
// pipeline sees late data. Optionally users walk through realistic sessions (start, views and clicks, end).
//
// Pure: the caller passes the current time and owns the randomness seed, so output is reproducible.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "common/types.h"
#include "engine/event.h"

namespace clickstream {

struct TrafficOptions {
  // Number of distinct users, named user_1 .. user_N.
  int users = 1000;
  // Every late_every-th event (the 50th, 100th, ...) is late; 0 produces no late events.
  int late_every = 50;
  // How far in the past a late event is stamped.
  Duration late_by = Duration::Minutes(5);
  // When true, each user's events form sessions: session_start, page views and clicks, session_end.
  bool sessions = false;
  // Seed of the pseudo-random generator.
  uint64_t seed = 1;
};

class TrafficGenerator {
 public:
  explicit TrafficGenerator(const TrafficOptions& options);

  // The next event, stamped `now` (or `now - late_by` when it is a late one).
  // `is_late` is set to whether it was stamped in the past.
  const Event& Next(EventTime now, bool* is_late);

 private:
  EventType NextType(size_t user);

  TrafficOptions options_;
  std::mt19937_64 rng_;
  uint64_t count_ = 0;
  std::vector<std::string> user_ids_;
  std::vector<uint8_t> in_session_;  // per user, sessions mode only
  Event event_;
};

}  // namespace clickstream
