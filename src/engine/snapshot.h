// Binary encoding of engine state for snapshots: little-endian fixed-width integers and length-prefixed
// strings, appended to a std::string. The reader never trusts the input: every read is bounds-checked and
// a short or corrupt snapshot gives an InvalidData status, not a crash.
//
// Thread safety: values; not synchronised.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/status.h"
#include "common/types.h"
#include "engine/event.h"

namespace clickstream {

class SnapshotWriter {
 public:
  explicit SnapshotWriter(std::string* out) : out_(out) {}

  template <typename Int>
  requires std::is_integral_v<Int>
  void Put(Int v) {
    char bytes[sizeof(Int)];
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(bytes, &v, sizeof(Int));  // one append: a byte at a time, snapshots took twice as long
    } else {
      for (size_t i = 0; i < sizeof(Int); ++i)
        bytes[i] = static_cast<char>(static_cast<uint64_t>(v) >> (8 * i));
    }
    out_->append(bytes, sizeof(Int));
  }
  void Put(EventTime t) { Put(t.micros()); }
  void Put(Duration d) { Put(d.micros()); }
  void Put(EventType type) { Put(static_cast<uint8_t>(type)); }
  void Put(std::string_view s) {
    Put(static_cast<uint32_t>(s.size()));
    out_->append(s);
  }

 private:
  std::string* out_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view in) : in_(in) {}

  template <typename Int>
  requires std::is_integral_v<Int>
  [[nodiscard]] Status Get(Int* v) {
    if (in_.size() < sizeof(Int)) return Truncated();
    // A bool is read as an integer and converted: copied, a byte other than 0 or 1 would be undefined.
    if constexpr (std::endian::native == std::endian::little && !std::is_same_v<Int, bool>) {
      std::memcpy(v, in_.data(), sizeof(Int));
    } else {
      uint64_t u = 0;
      for (size_t i = 0; i < sizeof(Int); ++i)
        u |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
      *v = static_cast<Int>(u);
    }
    in_.remove_prefix(sizeof(Int));
    return Status::OK();
  }
  [[nodiscard]] Status Get(EventTime* t) {
    int64_t us = 0;
    CS_RETURN_NOT_OK(Get(&us));
    *t = EventTime::FromMicros(us);
    return Status::OK();
  }
  [[nodiscard]] Status Get(Duration* d) {
    int64_t us = 0;
    CS_RETURN_NOT_OK(Get(&us));
    *d = Duration::Micros(us);
    return Status::OK();
  }
  [[nodiscard]] Status Get(EventType* type) {
    uint8_t raw = 0;
    CS_RETURN_NOT_OK(Get(&raw));
    if (raw > static_cast<uint8_t>(EventType::kSessionEnd)) return Corrupt("bad event type");
    *type = static_cast<EventType>(raw);
    return Status::OK();
  }
  [[nodiscard]] Status Get(std::string* s) {
    uint32_t n = 0;
    CS_RETURN_NOT_OK(Get(&n));
    if (in_.size() < n) return Truncated();
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return Status::OK();
  }
  // Reads a count of items that each take at least `min_item_bytes`, rejecting counts the remaining input
  // cannot hold (so a corrupt count cannot make the caller allocate gigabytes).
  [[nodiscard]] Status GetCount(uint32_t* n, size_t min_item_bytes) {
    CS_RETURN_NOT_OK(Get(n));
    if (static_cast<uint64_t>(*n) * min_item_bytes > in_.size()) return Corrupt("count past the end");
    return Status::OK();
  }
  bool at_end() const { return in_.empty(); }

  static Status Corrupt(std::string_view what) {
    return Status::InvalidData("engine snapshot is corrupt: " + std::string(what));
  }

 private:
  static Status Truncated() { return Corrupt("truncated"); }
  std::string_view in_;
};

}  // namespace clickstream
