// CS_CHECK and CS_DCHECK: a broken invariant (a bug, not a failure a user can act on) aborts the process
// with file:line, the condition and a message, before it can corrupt results.
//
//   CS_CHECK(offset >= committed) << "partition " << p << " went back";
//
// CS_CHECK is active in every build, release included: continuing past a broken invariant could commit
// wrong results exactly once, which is worse than a crash and a restart from the last commit.
// CS_DCHECK is for checks too costly for hot paths: active in debug and sanitizer builds (no NDEBUG);
// with NDEBUG its condition and message are compiled but never evaluated.
//
// Thread safety: a failing check writes one line to stderr and aborts; safe from any thread.
#pragma once

#include <sstream>

namespace clickstream::internal {

// Collects a failed check's message; its destructor prints it and aborts.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return message_; }

 private:
  std::ostringstream message_;
};

}  // namespace clickstream::internal

#define CS_CONCAT_INNER(a, b) a##b
#define CS_CONCAT(a, b) CS_CONCAT_INNER(a, b)

// `if ... else` (not a bare `if`) keeps an `else` after the macro bound to the caller's `if`.
#define CS_CHECK(condition) \
  if (condition)            \
    [[likely]];             \
  else                      \
    ::clickstream::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#ifdef NDEBUG
#define CS_DCHECK(condition) \
  if (true)                  \
    ;                        \
  else                       \
    CS_CHECK(condition)
#else
#define CS_DCHECK(condition) CS_CHECK(condition)
#endif
