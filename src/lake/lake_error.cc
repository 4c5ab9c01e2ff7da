#include "lake/lake_error.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "lake/arrow_headers.h"

namespace clickstream {
namespace {

std::string_view Hint(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return " (free space or set --lake-dir)";
    case EACCES:
    case EPERM:
    case EROFS:
      return " (fix permissions or set --lake-dir)";
    case ENOENT:
    case ENOTDIR:
      return " (check --lake-dir)";
    default:
      return "";
  }
}

}  // namespace

Status LakeIoError(std::string_view action, int err) {
  return Status::IoError("lake: cannot " + std::string(action) + ": " + std::strerror(err) +
                         std::string(Hint(err)));
}

Status LakeArrowError(std::string_view action, const arrow::Status& status) {
  const int err = arrow::internal::ErrnoFromStatus(status);
  if (err != 0) return LakeIoError(action, err);
  return Status::IoError("lake: cannot " + std::string(action) + ": " + status.message());
}

}  // namespace clickstream
