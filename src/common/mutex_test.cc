#include "common/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace clickstream {
namespace {

// A counter behind a Mutex, its rules checked by the thread-safety analysis.
class Counter {
 public:
  void Add() {
    MutexLock lock(mu_);
    ++n_;
    cv_.NotifyAll();
  }
  // Waits until the count reaches `n`.
  void AwaitAtLeast(int n) {
    MutexLock lock(mu_);
    cv_.Wait(mu_, [this, n]() REQUIRES(mu_) { return n_ >= n; });
  }
  bool AwaitAtLeastFor(int n, std::chrono::milliseconds timeout) {
    MutexLock lock(mu_);
    return cv_.WaitFor(mu_, timeout, [this, n]() REQUIRES(mu_) { return n_ >= n; });
  }
  // Calls `f` without the lock, between two reads with it; returns the count after.
  template <typename F>
  int AroundUnlocked(F f) {
    MutexLock lock(mu_);
    const int before = n_;
    {
      MutexUnlock unlocked(mu_);
      f();
    }
    return n_ - before;
  }
  int value() {
    MutexLock lock(mu_);
    return n_;
  }
  Mutex& mu() RETURN_CAPABILITY(mu_) { return mu_; }

 private:
  Mutex mu_;
  CondVar cv_;
  int n_ GUARDED_BY(mu_) = 0;
};

TEST(MutexTest, ExcludesOtherThreads) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 10000; ++i) counter.Add();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter.value(), 40000);
}

TEST(MutexTest, TryLockFailsWhileHeld) {
  Mutex mu;
  MutexLock lock(mu);
  bool taken = true;
  std::thread([&] {
    const bool locked = mu.TryLock();
    if (locked) mu.Unlock();
    taken = locked;
  }).join();
  EXPECT_FALSE(taken);
}

TEST(MutexTest, WaitReturnsOnceThePredicateHolds) {
  Counter counter;
  std::thread adder([&counter] {
    for (int i = 0; i < 3; ++i) counter.Add();
  });
  counter.AwaitAtLeast(3);
  adder.join();
  EXPECT_EQ(counter.value(), 3);
}

TEST(MutexTest, WaitForTimesOutWithThePredicateFalse) {
  Counter counter;
  EXPECT_FALSE(counter.AwaitAtLeastFor(1, std::chrono::milliseconds(20)));
  counter.Add();
  EXPECT_TRUE(counter.AwaitAtLeastFor(1, std::chrono::milliseconds(0)));
}

TEST(MutexTest, UnlockReleasesForItsScope) {
  Counter counter;
  // Another thread takes the lock while the first one is inside MutexUnlock's scope.
  const int added = counter.AroundUnlocked([&counter] { std::thread([&counter] { counter.Add(); }).join(); });
  EXPECT_EQ(added, 1);
}

TEST(MutexTest, UnlockRelocksWhenLeftByAnException) {
  Counter counter;
  EXPECT_THROW(counter.AroundUnlocked([] { throw std::runtime_error("task failed"); }), std::runtime_error);
  // Held again, then released by the MutexLock: the mutex is free.
  const bool free = counter.mu().TryLock();
  if (free) counter.mu().Unlock();
  EXPECT_TRUE(free);
}

}  // namespace
}  // namespace clickstream
