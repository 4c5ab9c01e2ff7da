#include "producer/traffic.h"

#include <array>
#include <string_view>

namespace clickstream {
namespace {
constexpr std::array<std::string_view, 6> kPages = {
    "https://example.com/home",     "https://example.com/products", "https://example.com/cart",
    "https://example.com/checkout", "https://example.com/about",    "https://example.com/contact"};
}  // namespace

TrafficGenerator::TrafficGenerator(const TrafficOptions& options)
    : options_(options), rng_(options.seed), in_session_(static_cast<size_t>(options.users), 0) {
  user_ids_.reserve(static_cast<size_t>(options.users));
  for (int i = 1; i <= options.users; ++i) user_ids_.push_back("user_" + std::to_string(i));
}

EventType TrafficGenerator::NextType(size_t user) {
  const uint64_t roll = rng_() % 100;
  if (!options_.sessions) {
    // The seed's mix: mostly views and clicks, a few session markers.
    if (roll < 60) return EventType::kPageView;
    if (roll < 90) return EventType::kClick;
    return roll < 95 ? EventType::kSessionStart : EventType::kSessionEnd;
  }
  if (!in_session_[user]) {
    in_session_[user] = 1;
    return EventType::kSessionStart;
  }
  if (roll < 10) {
    in_session_[user] = 0;
    return EventType::kSessionEnd;
  }
  return roll < 65 ? EventType::kPageView : EventType::kClick;
}

const Event& TrafficGenerator::Next(EventTime now, bool* is_late) {
  ++count_;
  const size_t user = rng_() % user_ids_.size();
  *is_late = options_.late_every > 0 && count_ % static_cast<uint64_t>(options_.late_every) == 0;
  event_.event_time = *is_late ? now - options_.late_by : now;
  event_.user_id = user_ids_[user];
  event_.page_url = kPages[rng_() % kPages.size()];
  event_.event_type = NextType(user);
  return event_;
}

}  // namespace clickstream
