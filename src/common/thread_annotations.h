// Clang's thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html): the locking
// rules of a class stated where the compiler checks them, instead of in comments.
//
//   class Queue {
//    public:
//     void Push(Item item) EXCLUDES(mu_);
//    private:
//     void Drain() REQUIRES(mu_);
//     Mutex mu_;
//     std::deque<Item> items_ GUARDED_BY(mu_);
//   };
//
// A read or write of `items_` without `mu_` held, or a call of Drain() without it, is an error of
// `make check-thread-safety` (clang -Wthread-safety over the sources, part of `make test`). The normal
// build is GCC's, which has no such analysis: there the macros expand to nothing.
//
// The capability to annotate with is a Mutex (common/mutex.h): libstdc++'s std::mutex carries no
// annotations, so clang cannot see what it locks.
#pragma once

#if defined(__clang__)
#define CS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CS_THREAD_ANNOTATION(x)
#endif

// On a class: its objects are capabilities (a mutex), named `x` in the analysis' messages.
#define CAPABILITY(x) CS_THREAD_ANNOTATION(capability(x))
// On a class: an RAII object that holds capabilities from its construction to its destruction.
#define SCOPED_CAPABILITY CS_THREAD_ANNOTATION(scoped_lockable)

// On a member: read and written only with `x` held.
#define GUARDED_BY(x) CS_THREAD_ANNOTATION(guarded_by(x))
// On a pointer member: what it points to is read and written only with `x` held.
#define PT_GUARDED_BY(x) CS_THREAD_ANNOTATION(pt_guarded_by(x))
// On a mutex member: the order in which mutexes are taken, when a thread holds more than one.
#define ACQUIRED_BEFORE(...) CS_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) CS_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))

// On a function: its caller holds the capabilities (exclusively, or at least shared).
#define REQUIRES(...) CS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) CS_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// On a function: it takes the capabilities and returns with them held (none given: `this`).
#define ACQUIRE(...) CS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) CS_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
// On a function: its caller holds the capabilities, and it returns with them released.
#define RELEASE(...) CS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) CS_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) CS_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
// On a function: takes the capabilities when it returns `success` (true or false).
#define TRY_ACQUIRE(...) CS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) CS_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
// On a function: its caller does not hold the capabilities (it takes them itself; a mutex is not
// reentrant).
#define EXCLUDES(...) CS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// On a function: it checks at run time that the capability is held, and aborts if not.
#define ASSERT_CAPABILITY(x) CS_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) CS_THREAD_ANNOTATION(assert_shared_capability(x))
// On a function: it returns the capability `x` (an accessor of a mutex).
#define RETURN_CAPABILITY(x) CS_THREAD_ANNOTATION(lock_returned(x))

// On a function: not checked. For what the analysis cannot follow; say why beside it.
#define NO_THREAD_SAFETY_ANALYSIS CS_THREAD_ANNOTATION(no_thread_safety_analysis)
