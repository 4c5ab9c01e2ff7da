#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace clickstream::internal {

CheckFailure::CheckFailure(const char* file, int line, const char* condition) {
  message_ << file << ":" << line << ": check failed: " << condition << ": ";
}

CheckFailure::~CheckFailure() {
  // One write, so that lines of threads failing at once do not interleave.
  const std::string line = message_.str() + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace clickstream::internal
