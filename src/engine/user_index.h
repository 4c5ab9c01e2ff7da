// An open-addressing hash index from user_id to a slot of the caller's user table. The keys live in the
// caller's table (KeyOf maps a slot to its key), so a lookup costs one probe into a dense array plus the
// key comparison on the user record the caller is about to touch anyway: the engine's hottest map, kept
// to as few cache misses as possible.
//
// Linear probing, load factor at most 1/2, backward-shift deletion (no tombstones).
// Thread safety: not synchronised.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "common/check.h"

namespace clickstream {

class UserIndex {
 public:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  static uint32_t Hash(std::string_view key) {
    return static_cast<uint32_t>(std::hash<std::string_view>()(key));
  }

  // The slot of `key`, or kNotFound. `hash` is Hash(key).
  template <typename KeyOf>
  uint32_t Find(std::string_view key, uint32_t hash, const KeyOf& key_of) const {
    if (table_.empty()) return kNotFound;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.slot == kNotFound) return kNotFound;
      if (e.hash == hash && key_of(e.slot) == key) return e.slot;
    }
  }

  // Starts loading the bucket where a lookup of `hash` begins, so that a later Find or Guess does not wait
  // for memory.
  void Prefetch(uint32_t hash) const {
    if (!table_.empty()) __builtin_prefetch(&table_[hash & mask_]);
  }

  // The slot of the first entry with this hash, or kNotFound: the likely slot of a key, found without
  // touching the keys (to prefetch that slot's record before the lookup proper).
  uint32_t Guess(uint32_t hash) const {
    if (table_.empty()) return kNotFound;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.slot == kNotFound || e.hash == hash) return e.slot;
    }
  }

  // REQUIRES: the key of `slot` is not in the index (in particular, not `slot` itself).
  void Insert(uint32_t hash, uint32_t slot) {
    if (2 * (size_ + 1) > table_.size()) Grow();
    CS_DCHECK(!HasSlot(hash, slot)) << "slot " << slot << " inserted twice";
    Place({hash, slot});
    ++size_;
  }

  // Removes the entry of `slot`. REQUIRES: it is in the index with this hash.
  void Erase(uint32_t hash, uint32_t slot) {
    CS_DCHECK(HasSlot(hash, slot)) << "slot " << slot << " erased but not in the index with this hash";
    size_t hole = hash & mask_;
    while (table_[hole].slot != slot) hole = (hole + 1) & mask_;
    // Shift back each following entry whose probe sequence passes the hole.
    for (size_t i = (hole + 1) & mask_; table_[i].slot != kNotFound; i = (i + 1) & mask_) {
      const size_t home = table_[i].hash & mask_;
      if (((i - home) & mask_) >= ((i - hole) & mask_)) {
        table_[hole] = table_[i];
        hole = i;
      }
    }
    table_[hole] = Entry{};
    --size_;
  }

  size_t size() const { return size_; }

 private:
  struct Entry {
    uint32_t hash = 0;
    uint32_t slot = kNotFound;
  };

  // Whether `slot` is in the probe sequence of `hash` (for checks).
  bool HasSlot(uint32_t hash, uint32_t slot) const {
    if (table_.empty()) return false;
    for (size_t i = hash & mask_; table_[i].slot != kNotFound; i = (i + 1) & mask_) {
      if (table_[i].slot == slot) return true;
    }
    return false;
  }

  void Place(Entry entry) {
    size_t i = entry.hash & mask_;
    while (table_[i].slot != kNotFound) i = (i + 1) & mask_;
    table_[i] = entry;
  }

  void Grow() {
    std::vector<Entry> old = std::move(table_);
    table_.assign(old.empty() ? 16 : old.size() * 2, Entry{});
    mask_ = table_.size() - 1;
    for (const Entry& e : old) {
      if (e.slot != kNotFound) Place(e);
    }
  }

  std::vector<Entry> table_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace clickstream
