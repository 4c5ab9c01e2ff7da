// Status and Result<T>: expected failures as values.
//
// A function that can fail for a reason a user can act on (bad input, unreachable broker, bad
// configuration) returns Status or Result<T> instead of throwing. Messages are one line and say the
// fix where there is one. Unexpected failures (broken invariants) are not Statuses: they abort.
//
// Thread safety: values; safe to copy and move between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace clickstream {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, env var or config value
  kInvalidData,      // bad input record or file
  kUnavailable,      // a server cannot be reached; retrying may help
  kIoError,          // local file system failure
  kNotFound,
  kFenced,           // another process took over the resource (e.g. a Kafka partition): stop using it
  kInternal,
  kRefused,          // a server refused a request for a reason retrying cannot fix (constraint, privilege, schema)
};

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
  // Whether the same request may succeed later (a server unreachable or overloaded for now).
  bool retryable() const { return code_ == StatusCode::kUnavailable; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace clickstream

#define CLICKSTREAM_CONCAT_INNER(a, b) a##b
#define CLICKSTREAM_CONCAT(a, b) CLICKSTREAM_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if it is not OK.
#define RETURN_NOT_OK(expr)                          \
  do {                                               \
    ::clickstream::Status _st = (expr);              \
    if (!_st.ok()) return _st;                       \
  } while (false)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

// `ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value or returns F()'s Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(CLICKSTREAM_CONCAT(_result_, __LINE__), lhs, expr)
