// A vector of trivially copyable values that keeps its first N elements inside the object. The engine
// keeps one per user for its few recent events and sessions: inline, they arrive in the cache with the
// user record instead of behind a pointer to chase (the engine is bound by cache misses on user state).
//
// Elements move back inside the object once they fit again, so that a burst leaves no lasting pointer to
// chase. A moved-from SmallVector is empty.
// Thread safety: a value; not synchronised.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

namespace clickstream {

template <typename T, uint32_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T> && N > 0);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector& other) { assign(other.begin(), other.end()); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  SmallVector(SmallVector&& other) noexcept { *this = std::move(other); }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this == &other) return *this;
    if (!other.on_heap()) {
      assign(other.begin(), other.end());
      other.size_ = 0;
      return *this;
    }
    heap_.reset(other.heap_.release());
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = 0;
    other.capacity_ = N;
    return *this;
  }

  T* data() { return on_heap() ? heap_.get() : reinterpret_cast<T*>(inline_); }
  const T* data() const { return on_heap() ? heap_.get() : reinterpret_cast<const T*>(inline_); }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void clear() {
    size_ = 0;
    Shrink();
  }
  void push_back(const T& value) { insert(end(), value); }
  T* insert(T* pos, const T& value) {
    const size_t index = static_cast<size_t>(pos - begin());
    Reserve(size_ + 1);
    T* at = data() + index;
    std::memmove(at + 1, at, (size_ - index) * sizeof(T));
    *at = value;
    ++size_;
    return at;
  }
  void erase(T* first, T* last) {
    std::memmove(first, last, static_cast<size_t>(end() - last) * sizeof(T));
    size_ -= static_cast<uint32_t>(last - first);
    Shrink();
  }
  void assign(const T* first, const T* last) {
    const auto n = static_cast<size_t>(last - first);
    Reserve(n);
    if (n > 0) std::memmove(data(), first, n * sizeof(T));  // an empty range may be null: UB for memmove
    size_ = static_cast<uint32_t>(n);
    Shrink();
  }
  void resize(size_t n) {
    Reserve(n);
    for (size_t i = size_; i < n; ++i) data()[i] = T{};
    size_ = static_cast<uint32_t>(n);
  }

 private:
  bool on_heap() const { return capacity_ > N; }
  void Reserve(size_t n) {
    if (n <= capacity_) return;
    const auto capacity = static_cast<uint32_t>(std::max<size_t>(n, 2 * capacity_));
    auto heap = std::make_unique_for_overwrite<T[]>(capacity);
    std::memcpy(heap.get(), data(), size_ * sizeof(T));
    heap_ = std::move(heap);
    capacity_ = capacity;
  }

  // Back to the inline buffer when the elements fit in it.
  void Shrink() {
    if (!on_heap() || size_ > N) return;
    std::memcpy(inline_, heap_.get(), size_ * sizeof(T));
    heap_.reset();
    capacity_ = N;
  }

  std::unique_ptr<T[]> heap_;
  uint32_t size_ = 0;
  uint32_t capacity_ = N;
  alignas(T) unsigned char inline_[N * sizeof(T)];
};

}  // namespace clickstream
