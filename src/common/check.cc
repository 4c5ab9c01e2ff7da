#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace clickstream::internal {

CheckFailure::CheckFailure(const char* file, int line, const char* condition) {
  message_ << file << ":" << line << ": check failed: " << condition << ": ";
}

CheckFailure::~CheckFailure() {
  std::string line = message_.str();
  if (line.ends_with(": ")) line.resize(line.size() - 2);  // a check without a message
  line += '\n';  // one write, so that lines of threads failing at once do not interleave
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace clickstream::internal
