// Strong types for the quantities the pipeline must never mix up: event time, watermark, durations,
// Kafka partitions and offsets. Each wraps an int64 and allows only the arithmetic that makes sense
// (time - time = duration, time + duration = time), so passing an offset where a timestamp is expected
// fails to compile.
//
// Thread safety: plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace clickstream {

// A span of time in microseconds.
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Micros(int64_t us) { return Duration(us); }
  static constexpr Duration Seconds(int64_t s) { return Duration(s * 1'000'000); }
  static constexpr Duration Minutes(int64_t m) { return Seconds(m * 60); }

  constexpr int64_t micros() const { return us_; }
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
  constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }

 private:
  constexpr explicit Duration(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

// A point in event time: microseconds since the Unix epoch, UTC.
class EventTime {
 public:
  constexpr EventTime() = default;
  static constexpr EventTime FromMicros(int64_t us) { return EventTime(us); }
  // Smaller than every real event time; the watermark of a partition that has seen no event.
  static constexpr EventTime Min() { return EventTime(std::numeric_limits<int64_t>::min()); }

  constexpr int64_t micros() const { return us_; }
  constexpr auto operator<=>(const EventTime&) const = default;
  constexpr EventTime operator+(Duration d) const { return EventTime(us_ + d.micros()); }
  constexpr EventTime operator-(Duration d) const { return EventTime(us_ - d.micros()); }
  constexpr Duration operator-(EventTime o) const { return Duration::Micros(us_ - o.us_); }

 private:
  constexpr explicit EventTime(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

// W = (largest accepted event time of a partition) - allowed lateness; Min() before any event.
// A distinct type so an event time is never compared with a watermark by accident of argument order.
class Watermark {
 public:
  constexpr Watermark() = default;
  constexpr explicit Watermark(EventTime t) : t_(t) {}
  static constexpr Watermark None() { return Watermark(); }

  constexpr EventTime time() const { return t_; }
  constexpr bool is_set() const { return t_ != EventTime::Min(); }
  constexpr auto operator<=>(const Watermark&) const = default;
  // An event is late if its time is strictly before the watermark.
  constexpr bool IsLate(EventTime t) const { return t < t_; }

 private:
  EventTime t_ = EventTime::Min();
};

// A Kafka partition number.
class Partition {
 public:
  constexpr Partition() = default;
  constexpr explicit Partition(int32_t id) : id_(id) {}
  constexpr int32_t id() const { return id_; }
  constexpr auto operator<=>(const Partition&) const = default;

 private:
  int32_t id_ = 0;
};

// A Kafka offset within a partition.
class Offset {
 public:
  constexpr Offset() = default;
  constexpr explicit Offset(int64_t value) : value_(value) {}
  constexpr int64_t value() const { return value_; }
  constexpr Offset Next() const { return Offset(value_ + 1); }
  constexpr auto operator<=>(const Offset&) const = default;

 private:
  int64_t value_ = 0;
};

}  // namespace clickstream

template <>
struct std::hash<clickstream::EventTime> {
  size_t operator()(clickstream::EventTime t) const noexcept { return std::hash<int64_t>()(t.micros()); }
};
template <>
struct std::hash<clickstream::Partition> {
  size_t operator()(clickstream::Partition p) const noexcept { return std::hash<int32_t>()(p.id()); }
};
