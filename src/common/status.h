// Status and Result<T>: expected failures as values.
//
// A function that can fail for a reason a user can act on (bad input, unreachable broker, bad
// configuration) returns Status or Result<T> instead of throwing. Messages are one line and say the
// fix where there is one. Unexpected failures (broken invariants) are not Statuses: they abort through
// CS_CHECK (common/check.h).
//
// Thread safety: values; safe to copy and move between threads.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "common/check.h"

namespace clickstream {

// Each code says whether the same request may succeed later (IsRetryable).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, env var or config value: not retryable, the user must fix it
  kInvalidData,      // bad input record or file: not retryable, the data stays bad
  kUnavailable,      // a server cannot be reached or is overloaded for now: retryable
  kIoError,          // local file system failure: not retryable here (callers that wait for space say so)
  kNotFound,         // not retryable
  kFenced,           // another process took over the resource (e.g. a Kafka partition): stop using it
  kInternal,         // not retryable
  kRefused,  // a server refused a request for a reason retrying cannot fix (constraint, privilege, schema)
};

// Whether a request that failed with `code` may succeed if made again unchanged. Every code decides
// explicitly (-Wswitch flags a new code that does not).
constexpr bool IsRetryable(StatusCode code) {
  switch (code) {
    case StatusCode::kUnavailable:
      return true;
    case StatusCode::kOk:
    case StatusCode::kInvalidArgument:
    case StatusCode::kInvalidData:
    case StatusCode::kIoError:
    case StatusCode::kNotFound:
    case StatusCode::kFenced:
    case StatusCode::kInternal:
    case StatusCode::kRefused:
      return false;
  }
  return false;
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status InvalidData(std::string m) { return {StatusCode::kInvalidData, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Fenced(std::string m) { return {StatusCode::kFenced, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Refused(std::string m) { return {StatusCode::kRefused, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Whether the same request may succeed later (IsRetryable of the code).
  bool retryable() const { return IsRetryable(code_); }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a T or a non-OK Status, never neither: making one from an OK Status, and reading the value of
// one that holds an error, are broken invariants (CS_CHECK aborts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<1>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status)
      : state_(std::in_place_index<0>, std::move(status)) {  // NOLINT(google-explicit-constructor)
    CS_CHECK(!std::get<0>(state_).ok()) << "a Result made from an OK Status holds no value";
  }

  bool ok() const { return state_.index() == 1; }
  // OK when ok().
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<0>(state_);
  }
  // REQUIRES: ok().
  T& value() & { return Checked(); }
  const T& value() const& { return Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &Checked(); }

 private:
  T& Checked() {
    CS_CHECK(ok()) << "value() of a Result holding an error: " << std::get<0>(state_).message();
    return std::get<1>(state_);
  }
  const T& Checked() const { return const_cast<Result*>(this)->Checked(); }

  std::variant<Status, T> state_;
};

}  // namespace clickstream

// Returns the Status from the enclosing function if it is not OK.
#define CS_RETURN_NOT_OK(expr)          \
  do {                                  \
    ::clickstream::Status _st = (expr); \
    if (!_st.ok()) return _st;          \
  } while (false)

#define CS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

// `CS_ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value or returns F()'s Status.
#define CS_ASSIGN_OR_RETURN(lhs, expr) CS_ASSIGN_OR_RETURN_IMPL(CS_CONCAT(_result_, __LINE__), lhs, expr)
