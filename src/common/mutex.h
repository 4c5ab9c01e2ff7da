// Mutex, MutexLock, MutexUnlock and CondVar: std::mutex and std::condition_variable with Clang's
// thread-safety annotations (common/thread_annotations.h), so that members declared GUARDED_BY(mu_) and
// functions declared REQUIRES(mu_) are checked by `make check-thread-safety`.
//
// Why not std::mutex directly: libstdc++'s std::mutex (and std::lock_guard, std::unique_lock) carry no
// capability annotations, so clang's analysis cannot tell that locking one guards anything. abseil's
// absl::Mutex is annotated but is not a dependency; these wrappers add the annotations and nothing else
// (no deadlock detection, no shared locks).
//
//   Mutex mu_;
//   CondVar cv_;
//   std::deque<Job> jobs_ GUARDED_BY(mu_);
//
//   void Push(Job job) {
//     { MutexLock lock(mu_); jobs_.push_back(std::move(job)); }
//     cv_.NotifyAll();
//   }
//   void Work() {
//     MutexLock lock(mu_);
//     while (true) {
//       while (jobs_.empty()) cv_.Wait(mu_);
//       Job job = std::move(jobs_.front());
//       jobs_.pop_front();
//       MutexUnlock unlocked(mu_);  // run it without the lock; taken again at the end of the loop's body
//       job();
//     }
//   }
//
// A predicate given to CondVar::Wait runs with the mutex held, which the analysis cannot see through a
// lambda: a lambda that reads guarded members says so with REQUIRES, e.g.
// `cv_.Wait(mu_, [this]() REQUIRES(mu_) { return !jobs_.empty(); })`.
//
// Thread safety: as std::mutex and std::condition_variable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "common/thread_annotations.h"

namespace clickstream {

// A non-recursive mutex: std::mutex, annotated.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis that the calling thread holds the mutex where it cannot see it (a callback called
  // with the lock held). Checks nothing at run time: std::mutex does not know its owner.
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` from its construction to the end of its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// The reverse of MutexLock: releases `mu`, held by the caller, from its construction to the end of its
// scope, e.g. around a slow call in the middle of a locked section; takes it again on the way out, an
// exception's included.
class SCOPED_CAPABILITY MutexUnlock {
 public:
  explicit MutexUnlock(Mutex& mu) RELEASE(mu) : mu_(mu) { mu_.Unlock(); }
  ~MutexUnlock() RELEASE() { mu_.Lock(); }
  MutexUnlock(const MutexUnlock&) = delete;
  MutexUnlock& operator=(const MutexUnlock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable waited on with a Mutex held: std::condition_variable over the Mutex's std::mutex.
// Each Wait releases the mutex while blocked and holds it again when it returns, as std's waits do;
// without a predicate, it may return spuriously.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

  void Wait(Mutex& mu) REQUIRES(mu) {
    Adopted held(mu);
    cv_.wait(held.lock);
  }
  // Returns once `ready()` is true.
  template <typename Predicate>
  void Wait(Mutex& mu, Predicate ready) REQUIRES(mu) {
    Adopted held(mu);
    cv_.wait(held.lock, std::move(ready));
  }
  // Returns `ready()`: true once it is, false if `timeout` passed first.
  template <typename Rep, typename Period, typename Predicate>
  bool WaitFor(Mutex& mu, const std::chrono::duration<Rep, Period>& timeout, Predicate ready) REQUIRES(mu) {
    Adopted held(mu);
    return cv_.wait_for(held.lock, timeout, std::move(ready));
  }

 private:
  // The caller's lock on `mu` as the std::unique_lock std::condition_variable waits with; left held at
  // the end of its scope, as the caller took it (an exception of the predicate included).
  struct Adopted {
    explicit Adopted(Mutex& mu) : lock(mu.mu_, std::adopt_lock) {}
    ~Adopted() { lock.release(); }
    Adopted(const Adopted&) = delete;
    Adopted& operator=(const Adopted&) = delete;
    std::unique_lock<std::mutex> lock;
  };

  std::condition_variable cv_;
};

}  // namespace clickstream
