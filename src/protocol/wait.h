// Wait: whether a call that takes in the outcome of work on another thread (a commit, a lake write)
// blocks until the outcome is there, or returns at once when it is not.
//
// Thread safety: a plain value.
#pragma once

namespace clickstream {

enum class Wait : bool { kNo, kYes };

}  // namespace clickstream
